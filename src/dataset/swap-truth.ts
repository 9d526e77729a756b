// Exact ground truth for part swaps. facesjs draws a face from a parameter object, so "A with B's
// eyes" is A's parameters with B's eye object, drawn the way the dataset draws faces. facesjs couples
// some colours across parts (eyebrows and facial hair take the hair colour; face, ears, nose and
// neck share the skin colour; cloth, glasses, hats and some beards share the team colours), so a
// composite is drawn twice and spliced: the groups of the swapped component's own facesjs features
// come from the drawing with B's values, every other group from A's own drawing. A hair-colour swap
// therefore recolours the hair and leaves A's eyebrows as they were, which is what the model's
// per-part rows can express.
import type { FaceParams } from './face-svg.ts';

export type SwapPart = 'shape' | 'texture' | 'both';

export interface ComponentTruth {
  /** Class name (CARTOON_CLASSES). */
  component: string;
  /** facesjs features whose drawn groups belong to this component. */
  features: string[];
  /** What a shape swap copies from B (parameter paths), or null when facesjs has no shape to copy. */
  shape: string[] | null;
  /** What a texture swap copies from B, or null when the part's colours are fixed in facesjs. */
  texture: string[] | null;
}

// Paths are into FaceParams: `face.<feature>.<key>`, `face.teamColors`, `background`.
export const SWAP_TRUTH: ComponentTruth[] = [
  { component: 'background', features: [], shape: null, texture: ['background'] },
  {
    component: 'face',
    features: ['head', 'eyeLine', 'smileLine', 'miscLine'],
    shape: ['face.head.id', 'face.eyeLine', 'face.smileLine', 'face.miscLine'],
    texture: ['face.body.color', 'face.head.shave'],
  },
  { component: 'eyes', features: ['eye'], shape: ['face.eye'], texture: null },
  { component: 'eyebrows', features: ['eyebrow'], shape: ['face.eyebrow'], texture: ['face.hair.color'] },
  { component: 'mouth', features: ['mouth'], shape: ['face.mouth'], texture: null },
  { component: 'nose', features: ['nose'], shape: ['face.nose'], texture: ['face.body.color'] },
  { component: 'ears', features: ['ear'], shape: ['face.ear'], texture: ['face.body.color'] },
  {
    component: 'hair',
    features: ['hairBg', 'hair'],
    shape: ['face.hairBg', 'face.hair.id', 'face.hair.flip'],
    texture: ['face.hair.color'],
  },
  { component: 'neck', features: ['body'], shape: ['face.body.id', 'face.body.size'], texture: ['face.body.color'] },
  { component: 'cloth', features: ['jersey'], shape: ['face.jersey'], texture: ['face.teamColors'] },
  { component: 'eyeglasses', features: ['glasses'], shape: ['face.glasses'], texture: ['face.teamColors'] },
  { component: 'hat', features: ['accessories'], shape: ['face.accessories'], texture: ['face.teamColors'] },
  {
    component: 'facial_hair',
    features: ['facialHair'],
    shape: ['face.facialHair'],
    texture: ['face.hair.color', 'face.teamColors'],
  },
];

export function truthOf(component: string): ComponentTruth {
  const t = SWAP_TRUTH.find((c) => c.component === component);
  if (!t) throw new Error(`no swap ground truth for component ${component}`);
  return t;
}

/** The parts a component can swap: shape and texture where facesjs separates them, always both. */
export function partsOf(t: ComponentTruth): SwapPart[] {
  const parts: SwapPart[] = [];
  if (t.shape && t.texture) parts.push('shape', 'texture');
  parts.push('both');
  return parts;
}

export function copiedPaths(t: ComponentTruth, part: SwapPart): string[] {
  if (part === 'shape') return t.shape ?? [];
  if (part === 'texture') return t.texture ?? [];
  return [...(t.shape ?? []), ...(t.texture ?? [])];
}

/** A's parameters with B's values at the given paths (deep copies, A and B untouched). */
export function copyParams(a: FaceParams, b: FaceParams, paths: string[]): FaceParams {
  const out = structuredClone(a);
  for (const p of paths) {
    const keys = p.split('.');
    let dst = out as unknown as Record<string, unknown>;
    let src = b as unknown as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) {
      dst = dst[k] as Record<string, unknown>;
      src = src[k] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1];
    dst[last] = structuredClone(src[last]);
  }
  return out;
}
