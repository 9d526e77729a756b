// Runs encoder.onnx in onnxruntime-node on the parity sample that
// `python3 -m ssg_train export-encoder --check-dir DIR` wrote (inputs and PyTorch's delta as .npy)
// and prints the largest difference; exits 1 above 1e-4.
// Usage: npx tsx scripts/check-encoder-onnx.ts MODEL_DIR/encoder.onnx DIR
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { readNpy } from '../src/inference/npy.ts';

const [onnxFile, dir] = process.argv.slice(2);
const load = (name: string) => readNpy(fs.readFileSync(path.join(dir, `${name}.npy`)));
const session = await ort.InferenceSession.create(onnxFile);
const feeds: Record<string, ort.Tensor> = {};
for (const name of ['image', 'reconstruction', 'latent']) {
  const a = load(name);
  feeds[name] = new ort.Tensor('float32', a.data, a.shape);
}
const got = (await session.run(feeds)).delta.data as Float32Array;
const want = load('delta').data;
let maxDiff = 0;
for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
console.log(`encoder.onnx vs PyTorch: max |difference| ${maxDiff.toExponential(2)} over ${want.length} values`);
if (!(maxDiff <= 1e-4)) process.exitCode = 1;
