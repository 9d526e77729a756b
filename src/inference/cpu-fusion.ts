// Load-time rewrite of generator.onnx for onnxruntime's CPU execution provider.
//
// Every render-net conv is followed by `+ noise` and LeakyRelu (spec §3, fixed conv). ORT's CPU
// optimiser cannot fuse a LeakyRelu that follows an Add into its NCHWc convolution, so each conv
// would pay a reorder to NCHW, the Add, the LeakyRelu and a reorder back: four passes over the
// activations. The graph writes the noise as a 1x1 conv of the [B,1,H,W] noise map (tagged
// NOISE_TAG): `LeakyRelu(Add(Conv(x, W, b), nz = Conv(noise, ones)))`. Here, for the CPU provider
// only, that becomes ORT's contrib op `com.microsoft:FusedConv(x, W, b, Z = nz)` with activation
// LeakyRelu, i.e. activation(conv + bias + Z): the same arithmetic, run by ORT as one NCHWc conv
// that accumulates into the noise map it just wrote. Where the Add's first input is not a plain
// Conv (upsample 'phase': a DepthToSpace), the noise conv absorbs it instead:
// `FusedConv(noise, ones, 0, Z = y)`. The model directory keeps the portable standard-ONNX graph,
// because other providers' FusedConv kernels reject LeakyRelu (CUDA: "unsupported conv activation
// mode").
import onnxProto from 'onnx-proto';
import { NOISE_TAG } from './graph/render.ts';

const { onnx } = onnxProto as unknown as { onnx: typeof import('onnx-proto').onnx };
type INode = import('onnx-proto').onnx.INodeProto;

export interface CpuFusionResult {
  bytes: Uint8Array;
  /** Number of conv + noise + LeakyRelu groups fused. */
  fused: number;
}

/** Returns the rewritten model (or the input bytes unchanged when nothing is tagged). */
export function fuseNoiseForCpu(bytes: Uint8Array): CpuFusionResult {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  const nodes = graph?.node ?? [];
  if (!graph || !nodes.some((n) => n.name?.startsWith(NOISE_TAG))) return { bytes, fused: 0 };

  const producer = new Map<string, INode>();
  const uses = new Map<string, number>();
  for (const n of nodes) {
    for (const o of n.output ?? []) producer.set(o, n);
    for (const i of n.input ?? []) uses.set(i, (uses.get(i) ?? 0) + 1);
  }
  for (const o of graph.output ?? []) uses.set(o.name ?? '', (uses.get(o.name ?? '') ?? 0) + 1);
  const initDims = new Map<string, number[]>();
  for (const t of graph.initializer ?? []) initDims.set(t.name ?? '', (t.dims ?? []).map(Number));

  const drop = new Set<INode>();
  const replace = new Map<INode, INode>();
  let zeroBias = 0;
  const extraInits: import('onnx-proto').onnx.ITensorProto[] = [];
  for (const relu of nodes) {
    if (relu.opType !== 'LeakyRelu' || !relu.name?.startsWith(NOISE_TAG)) continue;
    const add = producer.get(relu.input?.[0] ?? '');
    if (!add || add.opType !== 'Add' || !add.name?.startsWith(NOISE_TAG) || uses.get(add.output![0]) !== 1) continue;
    const conv = producer.get(add.input?.[1] ?? '');
    if (!conv || conv.opType !== 'Conv' || !conv.name?.startsWith(NOISE_TAG) || uses.get(conv.output![0]) !== 1)
      continue;
    const wDims = initDims.get(conv.input?.[1] ?? '');
    if (!wDims || wDims.length !== 4 || conv.input!.length !== 2) continue;
    const alpha = relu.attribute?.find((a) => a.name === 'alpha')?.f ?? 0.01;
    const act = [
      { name: 'activation', type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode('LeakyRelu') },
      { name: 'activation_params', type: onnx.AttributeProto.AttributeType.FLOATS, floats: [alpha] },
    ];
    const main = producer.get(add.input?.[0] ?? '');
    if (main && main.opType === 'Conv' && !main.domain && main.input?.length === 3 && uses.get(main.output![0]) === 1) {
      replace.set(relu, {
        opType: 'FusedConv',
        domain: 'com.microsoft',
        name: `${relu.name}_fused`,
        input: [...main.input, add.input![1]],
        output: [relu.output![0]],
        attribute: [...(main.attribute ?? []), ...act],
      });
      drop.add(add);
      drop.add(main);
      continue;
    }
    // FusedConv needs a bias in front of Z; a zero bias keeps the sum exactly conv + Z.
    const biasName = `${NOISE_TAG}zero_bias_${zeroBias++}`;
    extraInits.push({
      name: biasName,
      dims: [wDims[0]],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(4 * wDims[0]),
    });
    replace.set(relu, {
      opType: 'FusedConv',
      domain: 'com.microsoft',
      name: `${relu.name}_fused`,
      input: [conv.input![0], conv.input![1], biasName, add.input![0]],
      output: [relu.output![0]],
      attribute: [
        ...(conv.attribute ?? []),
        {
          name: 'activation',
          type: onnx.AttributeProto.AttributeType.STRING,
          s: new TextEncoder().encode('LeakyRelu'),
        },
        { name: 'activation_params', type: onnx.AttributeProto.AttributeType.FLOATS, floats: [alpha] },
      ],
    });
    drop.add(add);
    drop.add(conv);
  }
  if (replace.size === 0) return { bytes, fused: 0 };
  // The replacement sits where the LeakyRelu was: after its inputs (noise map and conv output).
  graph.node = nodes.filter((n) => !drop.has(n)).map((n) => replace.get(n) ?? n);
  graph.initializer = [...(graph.initializer ?? []), ...extraInits];
  if (!(model.opsetImport ?? []).some((o) => o.domain === 'com.microsoft')) {
    model.opsetImport = [...(model.opsetImport ?? []), { domain: 'com.microsoft', version: 1 }];
  }
  return { bytes: onnx.ModelProto.encode(model).finish(), fused: replace.size };
}
