// bench:profile's figures: the FLOPs it credits a node with, and a real profile of the demo model.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { flopsOf } from '../../bench/node-flops.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';

const node = (op: string, ins: number[][], out: number[]) => ({
  cat: 'Node',
  name: 'x_kernel_time',
  dur: 1,
  args: { op_name: op, input_type_shape: ins.map((s) => ({ float: s })), output_type_shape: [{ float: out }] },
});

test('FLOPs of a convolution, a grouped one, a transposed one and a matrix product', () => {
  // 2 x output elements x input channels per group x kernel
  assert.equal(
    flopsOf(
      node(
        'Conv',
        [
          [1, 64, 8, 8],
          [128, 64, 2, 2],
        ],
        [1, 128, 9, 9],
      ),
    ),
    2 * 128 * 81 * 64 * 4,
  );
  assert.equal(
    flopsOf(
      node(
        'FusedConv',
        [
          [1, 128, 18, 18],
          [128, 1, 4, 4],
        ],
        [1, 128, 16, 16],
      ),
    ),
    2 * 128 * 256 * 16,
  );
  assert.equal(
    flopsOf(
      node(
        'ConvTranspose',
        [
          [1, 32, 8, 8],
          [32, 16, 4, 4],
        ],
        [1, 16, 16, 16],
      ),
    ),
    2 * 32 * 64 * 16 * 16,
  );
  assert.equal(
    flopsOf(
      node(
        'MatMul',
        [
          [1, 4096, 64],
          [64, 128],
        ],
        [1, 4096, 128],
      ),
    ),
    2 * 4096 * 128 * 64,
  );
  assert.equal(
    flopsOf(
      node(
        'Add',
        [
          [1, 4],
          [1, 4],
        ],
        [1, 4],
      ),
    ),
    0,
  );
});

test('a profile of the demo model: every operator type with its share, convolutions with a FLOP rate', () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/profile.ts', '--sizes', 'demo', '--runs', '1', '--threads', '1'],
    {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Array<{
    ops: Record<string, { share: number; gflops: number | null }>;
    node_ms_per_image: number;
  }>;
  const ops = summary[0]!.ops;
  const shares = Object.values(ops).reduce((s, o) => s + o.share, 0);
  assert.ok(Math.abs(shares - 1) < 1e-6, `the shares add up to 1 (${shares})`);
  assert.ok(ops.Conv && ops.Conv.gflops! > 0, 'convolutions have a FLOP rate');
  assert.ok(summary[0]!.node_ms_per_image > 0);
  assert.match(r.stdout, /\| Conv \| \d+ \| [\d.]+% \|/);
});
