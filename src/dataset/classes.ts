// The cartoon dataset's semantic classes, and which facesjs feature draws each.
// Names follow CelebAMask-HQ where a part has a CelebA twin; facial hair has none, so it takes the
// last slot (CelebA's earrings). Eyeglasses are transparent (fused as an overlay, seed Eq. 1).

export interface DatasetClass {
  index: number;
  name: string;
  color: [number, number, number];
  transparent: boolean;
  /** facesjs features whose pixels carry this label. */
  features: string[];
}

export const CARTOON_CLASSES: DatasetClass[] = [
  { index: 0, name: 'background', color: [0, 0, 0], transparent: false, features: [] },
  {
    index: 1,
    name: 'face',
    color: [239, 234, 90],
    transparent: false,
    features: ['head', 'eyeLine', 'smileLine', 'miscLine'],
  },
  { index: 2, name: 'eyes', color: [44, 105, 154], transparent: false, features: ['eye'] },
  { index: 3, name: 'eyebrows', color: [4, 139, 168], transparent: false, features: ['eyebrow'] },
  { index: 4, name: 'mouth', color: [13, 179, 158], transparent: false, features: ['mouth'] },
  { index: 5, name: 'nose', color: [131, 227, 119], transparent: false, features: ['nose'] },
  { index: 6, name: 'ears', color: [185, 231, 105], transparent: false, features: ['ear'] },
  { index: 7, name: 'hair', color: [107, 137, 198], transparent: false, features: ['hairBg', 'hair'] },
  { index: 8, name: 'neck', color: [241, 196, 83], transparent: false, features: ['body'] },
  { index: 9, name: 'cloth', color: [242, 158, 76], transparent: false, features: ['jersey'] },
  { index: 10, name: 'eyeglasses', color: [234, 114, 71], transparent: true, features: ['glasses'] },
  { index: 11, name: 'hat', color: [215, 95, 155], transparent: false, features: ['accessories'] },
  { index: 12, name: 'facial_hair', color: [150, 84, 52], transparent: false, features: ['facialHair'] },
];

/** facesjs feature name -> class index. */
export const FEATURE_CLASS: Record<string, number> = Object.fromEntries(
  CARTOON_CLASSES.flatMap((c) => c.features.map((f) => [f, c.index])),
);

export const TRANSPARENT_DIMS = CARTOON_CLASSES.filter((c) => c.transparent).map((c) => c.index);
