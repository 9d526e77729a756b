// The arithmetic of one node of an onnxruntime profile (bench/profile.ts), from its logical shapes.

export interface NodeEvent {
  cat: string;
  name: string;
  dur: number;
  args?: {
    op_name?: string;
    input_type_shape?: Array<Record<string, number[]>>;
    output_type_shape?: Array<Record<string, number[]>>;
  };
}

const shapeOf = (s: Record<string, number[]> | undefined) => (s ? Object.values(s)[0]! : []);
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Multiply-adds x 2 of a Conv / FusedConv / ConvTranspose / MatMul / Gemm node, from its shapes. */
export function flopsOf(e: NodeEvent): number {
  const op = e.args?.op_name ?? '';
  const ins = (e.args?.input_type_shape ?? []).map(shapeOf);
  const out = shapeOf(e.args?.output_type_shape?.[0]);
  if ((op === 'Conv' || op === 'FusedConv') && ins[1]) {
    const [, cinPerGroup = 0, kh = 1, kw = 1] = ins[1];
    return 2 * count(out) * cinPerGroup * kh * kw;
  }
  if (op === 'ConvTranspose' && ins[0] && ins[1]) {
    const [, coutPerGroup = 0, kh = 1, kw = 1] = ins[1];
    return 2 * count(ins[0]) * coutPerGroup * kh * kw;
  }
  if ((op === 'MatMul' || op === 'Gemm') && ins[0] && ins[1]) {
    const k = ins[0].at(-1) ?? 0;
    return 2 * count(out) * k;
  }
  return 0;
}
