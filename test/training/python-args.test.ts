// The training commands' Python argument lists come from their entries in src/cli/usage.ts:
// relative paths reach the trainer (which runs in training/) absolute, lists become repeated
// flags, and every option the table forwards is one the Python module's parser accepts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { parseCommandArgs, pythonArgs } from '../../src/cli/args.ts';
import { COMMANDS } from '../../src/cli/usage.ts';
import { TRAINING_DIR, pythonPath } from '../../src/training/python.ts';

function derived(command: string, argv: string[]): string[] {
  return pythonArgs(COMMANDS[command], parseCommandArgs(command, COMMANDS[command], argv).values);
}

test('paths are made absolute, values and flags passed as given, unmarked options kept back', () => {
  const args = derived('train', [
    ...['--data', 'data/x', '--out', 'runs/r1', '--warm-start', 'runs/r0/latest.pt'],
    ...['--size', '32', '--mode', 'parts', '--kimg', '0.5', '--bf16'],
  ]);
  assert.deepEqual(args, [
    ...['--data', path.resolve('data/x'), '--out', path.resolve('runs/r1')],
    ...['--mode', 'parts', '--warm-start', path.resolve('runs/r0/latest.pt'), '--kimg', '0.5', '--bf16'],
  ]);
});

test('train-encoder --extra-data a,b: each made absolute and passed as its own --extra-data', () => {
  const args = derived('train-encoder', ['--out', 'r', '--extra-data', 'd1,/abs/d2,', '--heldout', 'h']);
  assert.deepEqual(args, [
    ...['--out', path.resolve('r'), '--extra-data', path.resolve('d1'), '--extra-data', '/abs/d2'],
    ...['--heldout', path.resolve('h')],
  ]);
});

test("export-model forwards --from, --description and --ema, never the model directory's options", () => {
  const args = derived('export-model', ['--from', 'c.pt', '--out', 'm', '--name', 'n', '--force', '--ema']);
  assert.deepEqual(args, ['--from', path.resolve('c.pt'), '--ema']);
});

test("every forwarded option is one the Python sub-command's parser knows", () => {
  const training = Object.entries(COMMANDS).filter(([, spec]) => spec.pythonCommand);
  assert.deepEqual(
    training.map(([name]) => name),
    ['train', 'finetune', 'export-model', 'train-encoder', 'export-encoder'],
  );
  // One interpreter (torch is imported once): each sub-command's --help, separated.
  const script = [
    'import contextlib, io, sys',
    'from ssg_train.__main__ import main',
    'for sub in sys.argv[1:]:',
    '    out = io.StringIO()',
    '    with contextlib.redirect_stdout(out):',
    '        try: main([sub, "--help"])',
    '        except SystemExit: pass',
    '    print(out.getvalue() + "\\n=====")',
  ].join('\n');
  const subs = training.map(([, spec]) => spec.pythonCommand!);
  const r = spawnSync(pythonPath(), ['-c', script, ...subs], { cwd: TRAINING_DIR, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const helps = r.stdout.split('\n=====\n');
  training.forEach(([name, spec], i) => {
    for (const [flag, o] of Object.entries(spec.options))
      if (o.python)
        assert.match(helps[i], new RegExp(`--${flag}(?![\\w-])`), `ssg ${name} --${flag}: ssg_train ${subs[i]}`);
  });
});
