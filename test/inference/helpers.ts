import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy, type NpyArray } from '../../src/inference/npy.ts';
import { importCheckpoint } from '../../src/inference/checkpoint.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ssg-tiny');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

export function npy(name: string): NpyArray {
  return readNpy(fs.readFileSync(fixture(name)));
}

const created: string[] = [];
process.on('exit', () => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

/** A temporary directory, removed when the test process exits. */
export function tmpDir(prefix = 'ssg-inf-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(d);
  return d;
}

/** max|a-b| / max|ref| */
export function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (a.length !== ref.length) throw new Error(`length ${a.length} != ${ref.length}`);
  let md = 0,
    mr = 0;
  for (let i = 0; i < a.length; i++) {
    md = Math.max(md, Math.abs(a[i] - ref[i]));
    mr = Math.max(mr, Math.abs(ref[i]));
  }
  return md / (mr || 1);
}

let tinyDir: Promise<string> | null = null;
/** The tiny fixture checkpoint imported once per test process. */
export function tinyModelDir(): Promise<string> {
  tinyDir ??= (async () => {
    const d = tmpDir('ssg-tiny-');
    await importCheckpoint(fixture('tiny.pt'), d);
    return d;
  })();
  return tinyDir;
}
