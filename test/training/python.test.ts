// The training package's own unit tests (training/tests, Python unittest on Debian's torch):
// gradient stops, fixed background depth, losses falling on a fixed batch, exact resume of
// reconstruction and adversarial runs, fine-tuning without the segmentation branch, the fitted
// mapping of an export.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { TRAINING_DIR, pythonPath } from '../../src/training/python.ts';

test('training package unit tests pass', () => {
  const r = spawnSync(pythonPath(), ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-v'], {
    cwd: TRAINING_DIR,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' },
  });
  assert.equal(r.status, 0, r.stderr.slice(-4000));
  assert.match(r.stderr, /Ran (\d+) tests/);
  assert.match(r.stderr, /test_texture_gradient_does_not_reach_shape_layers .*\.\.\. ok/);
  assert.match(r.stderr, /test_checkpoint_resumes_to_the_same_next_step .*\.\.\. ok/);
});
