// Rules of the tree that a reader relies on: settings come from one module, comments and docs
// hold in a clone (which has nothing outside the repository), and the CLI sits on top.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { COMMAND_MODULES } from '../../src/cli/run.ts';
import { COMMANDS } from '../../src/cli/usage.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';

const SKIP = new Set(['node_modules', 'generated', '.git', 'dist', '.ssg', '.scratch', 'fixtures']);

async function files(dir: string, exts: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(PROJECT_ROOT, dir), { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(rel, exts)));
    else if (exts.some((x) => e.name.endsWith(x))) out.push(rel);
  }
  return out;
}

async function offending(dirs: string[], exts: string[], pattern: RegExp, except: string[] = []): Promise<string[]> {
  const found: string[] = [];
  for (const d of dirs)
    for (const f of await files(d, exts)) {
      if (except.includes(f)) continue;
      const lines = (await readFile(path.join(PROJECT_ROOT, f), 'utf8')).split('\n');
      lines.forEach((l, i) => pattern.test(l) && found.push(`${f}:${i + 1}: ${l.trim()}`));
    }
  return found;
}

test('environment variables are read in src/config.ts only', async () => {
  const found = await offending(['src'], ['.ts'], /process\.env(\.[A-Za-z_]|\[)/, ['src/config.ts']);
  assert.deepEqual(found, []);
});

test('no source file or doc points at files a clone does not have', async () => {
  const dirs = ['src', 'plugins/figma/src', 'training', 'scripts', 'bench', 'test', 'docs', 'prisma'];
  const exts = ['.ts', '.py', '.mjs', '.md', '.prisma', '.html', '.css'];
  const found = await offending(dirs, exts, /shared\/(spec|seed)|\.\.\/shared/, ['test/skeleton/layout-rules.test.ts']);
  found.push(...(await offending(['.'], ['README.md'], /shared\/(spec|seed)/)));
  assert.deepEqual(found, []);
});

test('comments say why, not which issue asked', async () => {
  const dirs = ['src', 'plugins/figma/src', 'training', 'scripts', 'bench', 'test'];
  const found = await offending(dirs, ['.ts', '.py', '.mjs'], /\(issue \d+\)/i, ['test/skeleton/layout-rules.test.ts']);
  assert.deepEqual(found, []);
});

test('the CLI sits on top: no module outside src/cli imports it', async () => {
  const cli = path.join('src', 'cli') + path.sep;
  const found: string[] = [];
  for (const f of await files('src', ['.ts'])) {
    if (f.startsWith(cli)) continue;
    const text = await readFile(path.join(PROJECT_ROOT, f), 'utf8');
    for (const m of text.matchAll(/(?:from |import\()'(\.[^']+)'/g))
      if (path.join(path.dirname(f), m[1]).startsWith(cli)) found.push(`${f}: ${m[1]}`);
  }
  assert.deepEqual(found, []);
});

test('one usage error, and every command in the usage table has its implementation', async () => {
  assert.deepEqual(await offending(['src'], ['.ts'], /class \w*UsageError\b/, ['src/cli/args.ts']), []);
  assert.deepEqual(Object.keys(COMMAND_MODULES).sort(), Object.keys(COMMANDS).sort());
});

// The layers of src/, top to bottom (docs/architecture.md): a module imports its own layer's
// folder or those below it, never one above. Same rank, different folders: neither imports the other.
const LAYERS: Array<[rank: number, places: string[]]> = [
  [10, ['cli']],
  [9, ['main.ts']],
  [8, ['http']],
  [7, ['resolvers', 'auth']],
  [6, ['domain']],
  [5.5, ['context.ts']], // what a running process shares: the domain takes it, the jobs do not
  [5, ['jobs']],
  [4, ['models', 'pubsub']],
  [3, ['directions', 'training', 'db', 'log.ts']],
  [2, ['inference', 'config.ts', 'dataset']],
  [1, ['metrics.ts', 'worker-thread.ts', 'paths.ts']],
];

function placeOf(file: string): { place: string; rank: number } | undefined {
  const place = path.relative('src', file).split(path.sep)[0]!;
  const layer = LAYERS.find(([, places]) => places.includes(place));
  return layer && { place, rank: layer[0] };
}

test('src/ imports run downward: no layer imports one above it or beside it', async () => {
  const found: string[] = [];
  const unplaced: string[] = [];
  for (const f of await files('src', ['.ts'])) {
    const from = placeOf(f);
    if (!from) {
      unplaced.push(f);
      continue;
    }
    const text = await readFile(path.join(PROJECT_ROOT, f), 'utf8');
    for (const m of text.matchAll(/(?:from |import\()'(\.[^']+)'/g)) {
      const to = placeOf(path.join(path.dirname(f), m[1]!));
      if (to && to.place !== from.place && to.rank >= from.rank) found.push(`${f} -> ${m[1]}`);
    }
  }
  assert.deepEqual(unplaced, [], 'every folder of src/ has a layer in LAYERS');
  assert.deepEqual(found, []);
});

test("a model directory's file names are spelled in src/inference/model-files.ts alone", async () => {
  const names = /'(manifest\.json|generator\.onnx|mapping\.onnx|encoder\.onnx|encoder\.json|directions\.json)'/;
  const found = await offending(['src'], ['.ts'], names, ['src/inference/model-files.ts']);
  assert.deepEqual(found, []);
});

test('no SQL in src/http: the HTTP layer asks the domain and the jobs module', async () => {
  const found = await offending(
    ['src/http'],
    ['.ts'],
    /\$queryRaw|\$executeRaw|\.query\(|\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b/,
  );
  assert.deepEqual(found, []);
});
