// The PREVIEW generator: generator.onnx with the render net stopped at a lower level, cut out of
// the built graph at load time (no new file in the model directory, so every existing model has
// it). The render net adds, level by level, to-RGB and to-seg outputs onto the upsampled skip of
// the level below (spec §4.4); at level i that running sum is the network's own image and
// segmentation at side min_feat_size * 2^(i+1). The preview outputs it in place of the last
// level's, and every node only the higher levels need is dropped. It is NOT a faithful downsized
// full render: the higher levels' to-RGB contributions are missing, and nothing in training asks
// the lower levels' RGB to look like the output. Measured on cartoon64: the preview's
// segmentation matches the full one downsized on 93% of pixels, its image differs from the full
// image downsized by 0.35 mean abs (range [-1, 1]; 0.37 against other faces' renders), i.e. the
// image is a rough sketch, the layout (segmentation) is faithful. RenderQuality says so.
import onnxProto from 'onnx-proto';
import { renderLevels } from './config.ts';
import type { GeneratorConfig } from './types.ts';

const { onnx } = onnxProto as unknown as { onnx: typeof import('onnx-proto').onnx };
type INode = import('onnx-proto').onnx.INodeProto;

/**
 * The render-net level a preview stops at: the first level whose side reaches coarse_size (64 px
 * of the authors' 512 px models, 32 px of cartoon64), where the fused features enter the render
 * net a second time and residual_refine adds the coarse mask to the segmentation: below it the
 * trained model's to-seg output agrees with the full segmentation on about half the pixels, at it
 * on 93% (test/inference/preview.test.ts). Never below the first level nor above the last.
 */
export function previewLevel(cfg: GeneratorConfig, side = cfg.coarse_size): number {
  const levels = renderLevels(cfg);
  for (let i = 0; i < levels; i++) if (cfg.min_feat_size * 2 ** (i + 1) >= side) return i;
  return levels - 1;
}

export const levelSide = (cfg: GeneratorConfig, level: number) => cfg.min_feat_size * 2 ** (level + 1);

export interface PreviewGraph {
  bytes: Uint8Array;
  /** Output side of the preview image and segmentation. */
  side: number;
  level: number;
}

/** Cuts generator.onnx (as built by graph.ts) at render-net `level`; see the header. */
export function previewGraph(
  generatorBytes: Uint8Array,
  cfg: GeneratorConfig,
  level = previewLevel(cfg),
): PreviewGraph {
  const model = onnx.ModelProto.decode(generatorBytes);
  const graph = model.graph;
  if (!graph) throw new Error('generator.onnx has no graph');
  const nodes = graph.node ?? [];
  const consumers = new Map<string, INode[]>();
  for (const n of nodes) for (const i of n.input ?? []) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  // The level's output conv (to_rgbs + to_segs as one 1x1 conv) has the initializer `to{level}_*`.
  const weight = new RegExp(`^to${level}_\\d+$`);
  const toConv = nodes.find((n) => n.opType === 'Conv' && weight.test(n.input?.[1] ?? ''));
  if (!toConv) throw new Error(`generator.onnx has no output conv of render level ${level}`);
  // Then the Adds of that level (skip, residual_refine's coarse mask): follow the single-use Add chain.
  let out = toConv.output![0]!;
  for (;;) {
    const next = consumers.get(out) ?? [];
    if (next.length !== 1 || next[0]!.opType !== 'Add' || next[0]!.input?.[0] !== out) break;
    out = next[0]!.output![0]!;
  }
  // image and segmentation are Slices of the last level's output: point them at this level's.
  const last = nodes.filter(
    (n) => n.opType === 'Slice' && consumers.get(n.output![0]!)?.some((c) => c.opType === 'Identity'),
  );
  const finalOut = last[0]?.input?.[0];
  if (last.length !== 2 || !finalOut) throw new Error('generator.onnx: image/segmentation slices not found');
  for (const s of nodes) if (s.opType === 'Slice' && s.input?.[0] === finalOut) s.input[0] = out;
  prune(graph);
  const side = levelSide(cfg, level);
  for (const o of graph.output ?? []) {
    if (o.name !== 'image' && o.name !== 'segmentation') continue;
    const dims = o.type?.tensorType?.shape?.dim ?? [];
    for (const d of dims.slice(2)) d.dimValue = side;
  }
  return { bytes: onnx.ModelProto.encode(model).finish(), side, level };
}

/** Drops every node and initializer the graph's outputs do not need. */
function prune(graph: import('onnx-proto').onnx.IGraphProto): void {
  const nodes = graph.node ?? [];
  const producer = new Map<string, INode>();
  for (const n of nodes) for (const o of n.output ?? []) producer.set(o, n);
  const needed = new Set<string>();
  const keep = new Set<INode>();
  const stack = (graph.output ?? []).map((o) => o.name ?? '');
  while (stack.length) {
    const t = stack.pop()!;
    if (needed.has(t)) continue;
    needed.add(t);
    const p = producer.get(t);
    if (p && !keep.has(p)) {
      keep.add(p);
      stack.push(...(p.input ?? []).filter(Boolean));
    }
  }
  graph.node = nodes.filter((n) => keep.has(n));
  graph.initializer = (graph.initializer ?? []).filter((t) => needed.has(t.name ?? ''));
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => needed.has(v.name ?? ''));
}
