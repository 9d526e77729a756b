// manifest.json of a model directory: its schema, the one validated reader, and the model's id.
// The writer is model-dir.ts.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import * as v from 'valibot';
import type { ConfigWithWidths } from './config.ts';
import type { LatentLayout, ModelComponent } from './types.ts';
import { REQUIRED_GRAPHS, modelFile } from './model-files.ts';

export const MANIFEST_FORMAT = 'ssg-model/1';

export type ModelSource =
  | { kind: 'checkpoint'; file: string; sha256: string; description?: string; defaulted?: string[] }
  | { kind: 'demo'; seed: number };

export interface Manifest {
  format: string;
  builderVersion: number;
  name: string;
  untrained: boolean;
  config: ConfigWithWidths;
  layout: LatentLayout & { expandedRows: number; localLayers: number };
  components: ModelComponent[];
  /** Mean of mapping(z) over W_AVG_SAMPLES normal z (Rng(W_AVG_SEED)), float32 values. */
  w_avg: number[];
  /** sha256 of the source weights (weightsHash) and the config: the model's identity (modelId). */
  weightsSha256?: string;
  files: Record<string, { sha256: string; bytes: number }>;
  source: ModelSource;
  graph: {
    upsample: string;
    generatorMacsPerImage: number;
    mappingMacsPerImage: number;
    inputs: string[];
    outputs: string[];
  };
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

const int = v.pipe(v.number(), v.integer(), v.minValue(0));
const finite = v.pipe(v.number(), v.finite());
const rgb = v.tuple([int, int, int]);

const ConfigSchema = v.looseObject({
  size: int,
  latent: int,
  n_mlp: int,
  channel_multiplier: finite,
  seg_dim: v.pipe(int, v.minValue(1)),
  local_layers: int,
  base_layers: int,
  depth_layers: int,
  local_channel: int,
  coarse_channel: int,
  coarse_size: int,
  min_feat_size: int,
  residual_refine: v.boolean(),
  transparent_dims: v.array(int),
  widths: v.optional(v.record(v.string(), int)),
});

const ManifestSchema = v.looseObject({
  format: v.literal(MANIFEST_FORMAT),
  builderVersion: int,
  name: v.string(),
  untrained: v.optional(v.boolean(), false),
  config: ConfigSchema,
  layout: v.looseObject({
    nLatent: int,
    dim: int,
    baseLayers: int,
    numComponents: int,
    expandedRows: v.optional(int),
    localLayers: v.optional(int),
  }),
  components: v.array(v.object({ index: int, name: v.string(), transparent: v.boolean(), color: rgb })),
  w_avg: v.array(finite),
  weightsSha256: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/))),
  files: v.record(v.string(), v.object({ sha256: v.string(), bytes: int })),
  source: v.union([
    v.looseObject({
      kind: v.literal('checkpoint'),
      file: v.string(),
      sha256: v.string(),
      description: v.optional(v.string()),
      defaulted: v.optional(v.array(v.string())),
    }),
    v.looseObject({ kind: v.literal('demo'), seed: finite }),
  ]),
  graph: v.looseObject({
    upsample: v.string(),
    generatorMacsPerImage: finite,
    mappingMacsPerImage: finite,
    inputs: v.array(v.string()),
    outputs: v.array(v.string()),
  }),
});

/** Reads and validates `dir/manifest.json`, including its consistency with the config. */
export function readManifest(dir: string): Manifest {
  const file = modelFile(dir, 'manifest');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    // Only a missing file is "no manifest"; a permission or I/O error says what it is.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ManifestError(`model directory ${dir} has no manifest.json`);
    throw new ManifestError(`cannot read manifest.json in ${dir}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`manifest.json in ${dir} is corrupt: ${(e as Error).message}`);
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== MANIFEST_FORMAT)
    throw new ManifestError(
      `manifest.json in ${dir} has unknown format ${JSON.stringify(format)} (expected ${MANIFEST_FORMAT})`,
    );
  const parsed = v.safeParse(ManifestSchema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const at = v.getDotPath(issue) ?? '(root)';
    throw new ManifestError(`manifest.json in ${dir} is invalid at ${at}: ${issue.message}`);
  }
  const man = parsed.output as unknown as Manifest;
  const { config: cfg, layout: lay } = man;
  if (
    lay.dim !== cfg.latent ||
    lay.numComponents !== cfg.seg_dim ||
    lay.baseLayers !== cfg.base_layers ||
    lay.nLatent !== cfg.base_layers + 2 * cfg.seg_dim
  )
    throw new ManifestError(`manifest.json in ${dir} has an unknown latent layout ${JSON.stringify(lay)}`);
  if (man.w_avg.length !== cfg.latent)
    throw new ManifestError(`manifest.json in ${dir}: w_avg missing or not ${cfg.latent} finite numbers`);
  if (man.components.length !== cfg.seg_dim)
    throw new ManifestError(`manifest.json in ${dir}: components must list ${cfg.seg_dim} classes`);
  return man;
}

/** sha256 of the generator's weights: tensor names, shapes and float32 values in `names` order. */
export function weightsHash(weights: Map<string, { shape: number[]; data: Float32Array }>, names: string[]): string {
  const h = crypto.createHash('sha256');
  for (const name of names) {
    const t = weights.get(name);
    if (!t) throw new Error(`missing tensor ${name}`);
    h.update(`${name}[${t.shape.join(',')}]\n`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}

/**
 * Stable model id (16 hex): from the source weights' hash and the config, so a builder upgrade that
 * changes the ONNX bytes keeps the id (projects refer to models by id). Manifests written before
 * weightsSha256 existed keep their id from the file hashes.
 */
export function modelId(man: Manifest): string {
  const text = man.weightsSha256
    ? `ssg-model-id/1\n${man.weightsSha256}\n${stableJson(man.config)}`
    : Object.keys(man.files)
        .sort()
        .map((k) => `${k}:${man.files[k].sha256}`)
        .join('\n');
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function stableJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(stableJson).join(',')}]`;
  if (x && typeof x === 'object')
    return `{${Object.keys(x)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((x as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(x);
}

/**
 * Why the graphs of `dir` cannot be trusted, or undefined when they can: each of REQUIRED_GRAPHS
 * must be listed by the manifest, present, and (checkHashes) hash to the manifest's sha256.
 */
export function graphFilesFault(dir: string, man: Manifest, opts: { checkHashes: boolean }): string | undefined {
  for (const f of REQUIRED_GRAPHS) {
    const entry = man.files[f];
    if (!entry) return `manifest.json in ${dir} does not list ${f}`;
    const p = path.join(dir, f);
    if (!fs.existsSync(p)) return `model file ${f} missing in ${dir}`;
    if (opts.checkHashes) {
      const got = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      if (got !== entry.sha256) return `sha256 mismatch for ${f} in ${dir}: manifest ${entry.sha256}, file ${got}`;
    }
  }
  return undefined;
}
