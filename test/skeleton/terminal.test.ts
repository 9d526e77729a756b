// Output for a person at a terminal: readable log lines and progress on long commands; JSON log
// lines and no progress chatter when the output goes to a file or a log collector.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { SSG, ssg } from '../helpers/ssg.ts';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'ssg-tty-'));
after(() => rm(tmp, { recursive: true, force: true }));

function logOnce(isTTY: boolean): string {
  const out = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  out.on('data', (d) => (text += d));
  createLogger({ logLevel: 'info' }, out).info({ database: 'embedded' }, 'database: ready');
  return text;
}

// ANSI colour codes: ESC [ ... m
const stripColours = (s: string) => s.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');

test('logs are pretty on a terminal and JSON otherwise', () => {
  const json = JSON.parse(logOnce(false));
  assert.equal(json.msg, 'database: ready');
  assert.equal(json.database, 'embedded');
  const pretty = logOnce(true);
  assert.doesNotMatch(pretty, /^\{/);
  // e.g. "[12:00:00.123] INFO: database: ready" and the fields below it, coloured
  assert.match(stripColours(pretty), /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: database: ready\n\s+database: "embedded"/);
});

/** Runs `ssg ARGS` under script(1), which gives it a terminal. */
function ssgOnTerminal(args: string[]): Promise<{ code: number | null; output: string }> {
  const cmd = [process.execPath, SSG, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null']);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output: output.replace(/\r/g, '') }));
  });
}

test('a long command shows its progress on a terminal, and not in a pipe', async () => {
  const onTerminal = await ssgOnTerminal(['build-demo-model', '--out', path.join(tmp, 'a')]);
  assert.equal(onTerminal.code, 0, onTerminal.output);
  assert.match(onTerminal.output, /^building the demo model\.\.\.$/m);
  assert.match(onTerminal.output, /^building the demo model: done in \d+\.\d s$/m);

  const piped = await ssg(['build-demo-model', '--out', path.join(tmp, 'b')]);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stderr, '');
  assert.deepEqual((await readdir(path.join(tmp, 'b'))).sort(), ['generator.onnx', 'manifest.json', 'mapping.onnx']);
});
