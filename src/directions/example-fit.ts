// learnAttribute's fit, as a pure function of the marked faces' latents: a linear SVM on their
// direction rows and its 10-fold cross-validated accuracy. It runs on a worker thread
// (fit-thread.ts): with 2 x 500 faces it is about a second of synchronous arithmetic.
import { rowDataset } from './direction.ts';
import { accuracy, linearSvm, subset, unit } from './fit.ts';

export interface ExampleFitRequest {
  /** The model's latent width (D). */
  dim: number;
  /** The W+ rows the direction moves. */
  rows: number[];
  /** Every face's head latent, one after another (positives first), each `latentLength` values. */
  latents: Float32Array;
  latentLength: number;
  positives: number;
}

export interface ExampleFit {
  /** Unit vector on the rows; all zeros when the faces do not differ there. */
  vector: Float32Array;
  /** Held-out accuracy: each face classified by a direction fitted without it. */
  accuracy: number;
  samples: number;
}

export function fitExamples(req: ExampleFitRequest): ExampleFit {
  const n = req.latents.length / req.latentLength;
  const latents = Array.from({ length: n }, (_, i) =>
    req.latents.subarray(i * req.latentLength, (i + 1) * req.latentLength),
  );
  const d = rowDataset(
    { dim: req.dim },
    latents,
    req.rows,
    latents.map((_, i) => (i < req.positives ? 1 : 0)),
  );
  const vector = unit(linearSvm(d, 1).w);
  // 10-fold cross-validation (leave-one-out under 10 faces).
  const folds = Math.min(10, d.n);
  let right = 0;
  for (let f = 0; f < folds; f++) {
    const out = [...Array(d.n).keys()].filter((j) => j % folds === f);
    const rest = [...Array(d.n).keys()].filter((j) => j % folds !== f);
    right += accuracy(linearSvm(subset(d, rest), 1), subset(d, out)) * out.length;
  }
  return { vector, accuracy: right / d.n, samples: d.n };
}
