// `ssg learn-directions` and `ssg import-direction`: both write the model directory's
// directions.json (not the database): a model directory carries its directions to every server
// and database, and each server loads them into AttributeDirection when it loads the model.
import fs from 'node:fs';
import { type Direction, directionRows, spreadAlong, vectorFromNpy } from '../../directions/direction.ts';
import { writeDirections } from '../../directions/file.ts';
import { learnDirections } from '../../directions/learn.ts';
import { TRUNCATION_RANGE } from '../../inference/latent.ts';
import { ModelRuntime } from '../../inference/runtime.ts';
import type { ComponentPart } from '../../inference/types.ts';
import { UsageError, requireExisting, type Command } from '../args.ts';

function int(v: string | boolean | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be a whole number >= ${min} (got ${String(v)})`);
  return n;
}

export const learnDirectionsCommand: Command = async ({ values }) => {
  const dir = String(values.model);
  const samples = int(values.samples, 'samples', 50) ?? 2000;
  const seed = int(values.seed, 'seed', 0) ?? 1;
  let truncation: number | undefined;
  if (values.truncation !== undefined) {
    truncation = Number(values.truncation);
    const [lo, hi] = TRUNCATION_RANGE;
    if (!(truncation >= lo && truncation <= hi)) throw new UsageError(`--truncation must be in [${lo}, ${hi}]`);
  }
  const json = values.json === true;
  const rt = await ModelRuntime.load(dir);
  try {
    let last = 0;
    const mixing = values.mixing === undefined ? undefined : (String(values.mixing) as 'face' | 'rows');
    if (mixing && !['face', 'rows'].includes(mixing)) throw new UsageError('--mixing must be face or rows');
    const result = await learnDirections(rt, {
      samples,
      seed,
      truncation,
      mixing,
      onProgress: json
        ? undefined
        : (done, total) => {
            if (done - last >= total / 10 || done === total) {
              last = done;
              process.stderr.write(`rendered and measured ${done}/${total}\n`);
            }
          },
    });
    const file = writeDirections(dir, rt.info, result.directions, {
      samples: result.samples,
      seed: result.seed,
      truncation: result.truncation,
    });
    if (json) {
      console.log(
        JSON.stringify({
          model: rt.info.id,
          file,
          samples: result.samples,
          seed: result.seed,
          truncation: result.truncation,
          mixing: result.mixing,
          renderSeconds: result.renderSeconds,
          fitSeconds: result.fitSeconds,
          kept: result.directions.map((d) => d.name),
          fits: result.fits,
        }),
      );
    } else {
      for (const f of result.fits) {
        const score = f.score === null ? '   -  ' : f.score.toFixed(3);
        const local = f.localEffect === undefined ? '' : ` local ${f.localEffect.toFixed(2)}`;
        console.log(
          `${f.kept ? 'kept   ' : 'dropped'} ${f.name.padEnd(24)} ${f.metric.padEnd(8)} ${score}${local}  ${f.reason ?? ''}`,
        );
      }
      console.log(
        `${result.directions.length} of ${result.fits.length} directions kept (${result.samples} samples, ` +
          `${result.renderSeconds.toFixed(1)} s rendering, ${result.fitSeconds.toFixed(1)} s fitting); wrote ${file}`,
      );
    }
  } finally {
    await rt.close();
  }
};

export const importDirectionCommand: Command = async ({ values }) => {
  const dir = String(values.model);
  const part = String(values.part ?? 'SHAPE').toUpperCase() as ComponentPart;
  if (!['SHAPE', 'TEXTURE', 'BOTH'].includes(part)) throw new UsageError('--part must be SHAPE, TEXTURE or BOTH');
  requireExisting(values, ['npy']);
  const file = String(values.npy);
  const rt = await ModelRuntime.load(dir, { lazyGenerator: true });
  try {
    const component = String(values.component);
    const { vector } = vectorFromNpy(rt.info, fs.readFileSync(file), component, part);
    const rows = directionRows(rt.info, { component, part }).length;
    const direction: Direction = {
      name: String(values.name),
      component: rt.info.components.find((c) => c.name.toLowerCase() === component.toLowerCase())!.name,
      part,
      vector,
      method: 'imported-npy',
      accuracy: null,
      samples: 0,
      spread: await spreadAlong(rt, vector, rows),
      source: 'imported',
    };
    console.log(`wrote ${writeDirections(dir, rt.info, [direction])} (${direction.name}: ${component} ${part})`);
  } finally {
    await rt.close();
  }
};
