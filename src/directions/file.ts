// DIR/directions.json: the directions a model directory ships with (written by
// `ssg learn-directions` and `ssg import-direction`, loaded into the AttributeDirection table by
// every server that loads the model). Vectors are float32 little-endian, base64.
import fs from 'node:fs';
import type { ModelInfo } from '../inference/types.ts';
import { type Direction, DirectionError, checkDirection } from './direction.ts';
import { modelFile } from '../inference/model-files.ts';

export const DIRECTIONS_FORMAT = 'ssg-directions/1';

interface DirectionJson extends Omit<Direction, 'vector'> {
  /** float32 LE, base64 */
  vector: string;
}

export interface DirectionsFile {
  format: string;
  /** The model id these vectors belong to (manifest.ts modelId). */
  modelId: string;
  /** How the learned ones were made (samples, seed, truncation), when they were. */
  learned?: { samples: number; seed: number; truncation: number };
  directions: DirectionJson[];
}

export const encodeVector = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

export function decodeVector(b: Uint8Array | string): Float32Array {
  const buf = typeof b === 'string' ? Buffer.from(b, 'base64') : Buffer.from(b);
  if (buf.length % 4) throw new DirectionError(`a direction vector of ${buf.length} bytes is not float32`);
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

/** The model id a directions.json file was made for (undefined when it cannot be read). */
function learnedFor(file: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as DirectionsFile).modelId;
  } catch {
    return undefined;
  }
}

/** The model directory's directions (none when it has no directions.json); checked against the model. */
export function readDirections(dir: string, info: ModelInfo): Direction[] {
  const file = modelFile(dir, 'directions');
  if (!fs.existsSync(file)) return [];
  let parsed: DirectionsFile;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as DirectionsFile;
  } catch (e) {
    throw new DirectionError(`${file} is not JSON: ${(e as Error).message}`);
  }
  if (parsed.format !== DIRECTIONS_FORMAT) throw new DirectionError(`${file}: format is not ${DIRECTIONS_FORMAT}`);
  if (parsed.modelId !== info.id) {
    throw new DirectionError(
      `${file} was made for model ${parsed.modelId}, not ${info.id}: relearn with ssg learn-directions`,
    );
  }
  return parsed.directions.map((d) => {
    const dir: Direction = { ...d, vector: decodeVector(d.vector) };
    checkDirection(info, dir);
    return dir;
  });
}

/**
 * Writes directions.json, replacing same-named directions and keeping the others; with `learned`
 * (a new learn-directions run) every earlier learned direction is replaced too.
 */
export function writeDirections(
  dir: string,
  info: ModelInfo,
  directions: Direction[],
  learned?: DirectionsFile['learned'],
): string {
  const file = modelFile(dir, 'directions');
  const names = new Set(directions.map((d) => d.name));
  // A new learn-directions run on a re-exported model replaces a file made for the model before it.
  if (learned && fs.existsSync(file) && learnedFor(file) !== info.id) fs.rmSync(file);
  const kept = readDirections(dir, info).filter((d) => !names.has(d.name) && !(learned && d.source === 'learned'));
  const old = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as DirectionsFile) : undefined;
  const body: DirectionsFile = {
    format: DIRECTIONS_FORMAT,
    modelId: info.id,
    ...((learned ?? old?.learned) ? { learned: learned ?? old!.learned } : {}),
    directions: [...kept, ...directions].map((d) => ({
      name: d.name,
      component: d.component,
      part: d.part,
      method: d.method,
      accuracy: d.accuracy === null ? null : Math.round(d.accuracy * 1e4) / 1e4,
      samples: d.samples,
      spread: Math.round(d.spread * 1e5) / 1e5,
      source: d.source,
      vector: encodeVector(d.vector),
    })),
  };
  fs.writeFileSync(file, JSON.stringify(body, null, 1) + '\n');
  return file;
}
