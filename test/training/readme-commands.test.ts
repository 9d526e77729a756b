// The README's training commands as written, from the directory a user types them in: relative
// --data/--out/--resume paths must reach the Python trainer (which runs in training/) intact.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ssg } from '../helpers/ssg.ts';

test('`ssg make-dataset --out data/x` then `ssg train --data data/x --out runs/r1` from the same directory', async () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ssg-readme-'));
  try {
    const made = await ssg(['make-dataset', '--out', 'data/x', '--count', '8', '--size', '32', '--threads', '1'], {
      cwd,
    });
    assert.equal(made.code, 0, made.stderr);
    const args = ['--size', '32', '--kimg', '0.008', '--batch', '4', '--threads', '1', '--log-every', '1'];
    const r = await ssg(['train', '--data', 'data/x', '--out', 'runs/r1', ...args], { cwd });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.doesNotMatch(r.stderr, /no dataset\.json/);
    assert.ok(fs.existsSync(path.join(cwd, 'runs', 'r1', 'latest.pt')), 'the checkpoint is where the user asked');
    const again = await ssg(
      [
        'train',
        '--data',
        'data/x',
        '--out',
        'runs/r1',
        '--resume',
        'runs/r1/latest.pt',
        ...args.slice(0, 2),
        '--kimg',
        '0.016',
        ...args.slice(4),
      ],
      { cwd },
    );
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.match(again.stdout, /resumed/);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
