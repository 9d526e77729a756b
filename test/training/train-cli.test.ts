// The training commands as a user runs them: make-dataset, train (with a Ctrl-C and a resume),
// export-model, then the runtime renders the exported model as the training code does.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { PNG } from 'pngjs';
import { readNpy } from '../../src/inference/npy.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { SSG, ssgSync } from '../helpers/ssg.ts';
import { TRAINING_DIR, pythonPath } from '../../src/training/python.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssg-train-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const env = { ...process.env, OMP_NUM_THREADS: '1' };

const ssg = (...args: string[]) => ssgSync(args, { cwd: tmp });

function readPng(file: string) {
  return PNG.sync.read(fs.readFileSync(file));
}

const data = path.join(tmp, 'data');

test('make-dataset is reproducible from its seed and labels match the pictures', () => {
  const r = ssg('make-dataset', '--out', data, '--count', '24', '--size', '32', '--seed', '7');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote 24 faces of 32 px .* faces\/s/);
  const again = path.join(tmp, 'again');
  const other = path.join(tmp, 'other');
  assert.equal(
    ssg('make-dataset', '--out', again, '--count', '24', '--size', '32', '--seed', '7', '--threads', '1').code,
    0,
  );
  assert.equal(ssg('make-dataset', '--out', other, '--count', '24', '--size', '32', '--seed', '8').code, 0);
  const same = (a: string, b: string) => fs.readFileSync(a).equals(fs.readFileSync(b));
  for (const f of ['images/000000.png', 'labels/000000.png', 'images/000023.png', 'labels/000017.png'])
    assert.ok(same(path.join(data, f), path.join(again, f)), `${f} differs between two runs with seed 7`);
  assert.ok(!same(path.join(data, 'images/000000.png'), path.join(other, 'images/000000.png')));

  const meta = JSON.parse(fs.readFileSync(path.join(data, 'dataset.json'), 'utf8'));
  assert.equal(meta.count, 24);
  assert.equal(meta.made.seed, 7);
  assert.deepEqual(meta.transparentDims, [10]);
  assert.equal(meta.classes[12].name, 'facial_hair');
  assert.ok(meta.classes.find((c: { name: string }) => c.name === 'face').pixelShare > 0.1);
  assert.ok(fs.existsSync(path.join(data, 'contact-sheet.png')));

  // Where the label says background (away from part edges, which the picture anti-aliases), the
  // picture shows the flat background colour (the top-left pixel); where it says face, it does not.
  let bgAgree = 0,
    bgTotal = 0,
    faceSame = 0,
    faceTotal = 0;
  for (let i = 0; i < 24; i++) {
    const name = String(i).padStart(6, '0') + '.png';
    const img = readPng(path.join(data, 'images', name)).data;
    const lab = readPng(path.join(data, 'labels', name)).data;
    assert.equal(lab[0], 0, 'the top-left corner is background');
    for (let p = 0; p < 32 * 32; p++) {
      const isBg = img[p * 4] === img[0] && img[p * 4 + 1] === img[1] && img[p * 4 + 2] === img[2];
      const x = p % 32,
        y = Math.floor(p / 32);
      const interior = [
        [x - 1, y],
        [x + 1, y],
        [x, y - 1],
        [x, y + 1],
      ].every(([u, v]) => u < 0 || v < 0 || u > 31 || v > 31 || lab[(v * 32 + u) * 4] === lab[p * 4]);
      if (!interior) continue;
      if (lab[p * 4] === 0) {
        bgTotal++;
        if (isBg) bgAgree++;
      } else if (lab[p * 4] === 1) {
        faceTotal++;
        if (isBg) faceSame++;
      }
    }
  }
  assert.ok(bgAgree / bgTotal > 0.97, `background labels agree with the picture: ${bgAgree}/${bgTotal}`);
  assert.ok(faceSame / faceTotal < 0.05, `face labels on background colour: ${faceSame}/${faceTotal}`);
});

test('train refuses bad input in one line before it starts', () => {
  fs.mkdirSync(path.join(tmp, 'empty'));
  const empty = ssg('train', '--data', path.join(tmp, 'empty'), '--out', path.join(tmp, 'x'), '--size', '32');
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /^ssg: .*has no dataset\.json.*\n$/);

  // A label with a class the config lacks.
  const bad = path.join(tmp, 'mislabelled');
  fs.cpSync(data, bad, { recursive: true });
  const labelFile = path.join(bad, 'labels', '000003.png');
  const png = readPng(labelFile);
  const grey = new Uint8Array(32 * 32).map((_, p) => png.data[p * 4]);
  grey[100] = 20;
  fs.writeFileSync(
    labelFile,
    PNG.sync.write({ width: 32, height: 32, data: Buffer.from(grey) } as unknown as PNG, {
      colorType: 0,
      inputColorType: 0,
      inputHasAlpha: false,
    }),
  );
  const mis = ssg('train', '--data', bad, '--out', path.join(tmp, 'x'), '--size', '32');
  assert.equal(mis.code, 1);
  assert.match(mis.stderr, /labels\/000003\.png has class 20, but the model has 13 classes/);
  assert.equal(mis.stderr.trim().split('\n').length, 1);

  const arch = ssg(
    'finetune',
    '--from',
    path.join(PROJECT_ROOT, 'test/fixtures/ssg-tiny/bad_shape.pt'),
    '--images',
    data,
    '--out',
    path.join(tmp, 'x'),
  );
  assert.equal(arch.code, 1);
  assert.match(arch.stderr, /render_net\.convs\.1\.weight has shape/);
  assert.ok(!fs.existsSync(path.join(tmp, 'x', 'latest.pt')), 'nothing trained');
});

function waitFor(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (pattern.test(out)) resolve(out);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before ${pattern}: ${out}`)));
  });
}

test('train prints progress, stops cleanly on Ctrl-C, resumes, and the export renders as trained', async () => {
  const run = path.join(tmp, 'run');
  const child = spawn(
    process.execPath,
    [
      SSG,
      'train',
      '--data',
      data,
      '--out',
      run,
      '--size',
      '32',
      '--kimg',
      '50',
      '--batch',
      '4',
      '--threads',
      '1',
      '--log-every',
      '2',
      '--ckpt-every',
      '1000',
    ],
    { cwd: tmp, env },
  );
  let stdout = await waitFor(child, /kimg +\d+\.\d+ +[\d.]+ img\/s .*total [\d.]+ +left \d+ min/);
  child.stdout!.on('data', (d) => (stdout += d));
  child.kill('SIGINT');
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0, stdout);
  assert.match(stdout, /stopped early: resume with --resume/);
  assert.ok(fs.existsSync(path.join(run, 'latest.pt')));
  assert.ok(fs.existsSync(path.join(run, 'sheet-latest.png')));

  const resumed = ssg(
    'train',
    '--data',
    data,
    '--out',
    run,
    '--resume',
    path.join(run, 'latest.pt'),
    '--kimg',
    '0.06',
    '--batch',
    '4',
    '--threads',
    '1',
    '--log-every',
    '2',
  );
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /\(at 0\.0[1-9]\d? kimg\)/, 'resumed from the saved count, not from 0');
  assert.match(resumed.stdout, /saved .* at 0\.06 kimg/);

  const model = path.join(tmp, 'model');
  const exported = ssg('export-model', '--from', path.join(run, 'latest.pt'), '--out', model, '--name', 'cartoon-test');
  assert.equal(exported.code, 0, exported.stderr);
  const manifest = JSON.parse(fs.readFileSync(path.join(model, 'manifest.json'), 'utf8'));
  assert.equal(manifest.name, 'cartoon-test');
  assert.equal(manifest.untrained, false);
  assert.match(manifest.source.description, /trained by ssg-studio on generated facesjs cartoon faces/);
  assert.deepEqual(manifest.components.map((c: { name: string }) => c.name).slice(10), [
    'eyeglasses',
    'hat',
    'facial_hair',
  ]);

  // A W+ from the exported mapping, then rows mixed from a second face: the runtime's render
  // equals the training code's forward pass.
  const w1 = path.join(tmp, 'w1.npy');
  assert.equal(ssg('sample', '--model', model, '--seed', '3', '--out', w1).code, 0);
  const rt = path.join(tmp, 'rt');
  const rendered = ssg('render', '--model', model, '--latent', w1, '--out', rt, '--npy');
  assert.equal(rendered.code, 0, rendered.stderr);
  const ref = path.join(tmp, 'ref');
  const py = spawnSync(pythonPath(), ['tests/reference_render.py', path.join(tmp, 'model.pt'), w1, ref], {
    cwd: TRAINING_DIR,
    encoding: 'utf8',
  });
  // export-model keeps no .pt; make one with the same export for the reference
  if (py.status !== 0) {
    const e = spawnSync(
      pythonPath(),
      ['-m', 'ssg_train', 'export', '--from', path.join(run, 'latest.pt'), '--out', path.join(tmp, 'model.pt')],
      { cwd: TRAINING_DIR, encoding: 'utf8' },
    );
    assert.equal(e.status, 0, e.stderr);
    const again = spawnSync(pythonPath(), ['tests/reference_render.py', path.join(tmp, 'model.pt'), w1, ref], {
      cwd: TRAINING_DIR,
      encoding: 'utf8',
    });
    assert.equal(again.status, 0, again.stderr);
  }
  for (const name of ['image', 'segmentation', 'coarse', 'depth']) {
    const a = readNpy(fs.readFileSync(path.join(rt, `${name}.npy`))).data;
    const b = readNpy(fs.readFileSync(path.join(ref, `${name}.npy`))).data;
    assert.equal(a.length, b.length, name);
    let md = 0,
      mr = 0;
    for (let i = 0; i < a.length; i++) {
      md = Math.max(md, Math.abs(a[i] - b[i]));
      mr = Math.max(mr, Math.abs(b[i]));
    }
    assert.ok(md / (mr || 1) < 1e-3, `${name}: runtime vs training code, relative error ${md / (mr || 1)}`);
  }
});
