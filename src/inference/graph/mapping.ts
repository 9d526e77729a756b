// The mapping net z -> w: pixel norm, then n_mlp EqualLinear + LeakyRelu (lr_mul 0.01).
import type { GraphBuilder } from '../onnx-builder.ts';
import { LEAK, SQRT2, type GraphContext } from './context.ts';
import { foldEqualLinear } from './folds.ts';

const LR_MUL = 0.01;

/** Adds the mapping net reading `z`; returns the value holding w. */
export function buildMapping(ctx: GraphContext): string {
  const { g, cfg, tensor } = ctx;
  const D = cfg.latent;
  let x = pixelNorm(g, 'z');
  for (let i = 1; i <= cfg.n_mlp; i++) {
    // The previous layer's lrelu gain sqrt(2) is folded into this one's weights.
    const lin = foldEqualLinear(tensor(`style.${i}.weight`), tensor(`style.${i}.bias`), D, LR_MUL, i > 1 ? SQRT2 : 1);
    x = g.op1('Add', [
      g.op1('MatMul', [x, g.constF(`style${i}_w`, lin.weightT, [D, D])]),
      g.constF(`style${i}_b`, lin.bias, [D]),
    ]);
    x = g.op1('LeakyRelu', [x], LEAK);
    g.macs += D * D;
  }
  if (cfg.n_mlp > 0) x = g.op1('Mul', [x, g.constF('gain', [SQRT2], [])]);
  return x;
}

/** x / sqrt(mean(x^2) + 1e-8) over the latent axis. */
function pixelNorm(g: GraphBuilder, z: string): string {
  const sq = g.op1('Mul', [z, z]);
  const mean = g.op1('ReduceMean', [sq], { axes: [1], keepdims: 1 });
  const den = g.op1('Sqrt', [g.op1('Add', [mean, g.constF('eps', [1e-8], [])])]);
  return g.op1('Div', [z, den]);
}
