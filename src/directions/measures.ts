// What a designer would name, measured from one render's own segmentation and image: a part's
// area, width, height and centre (shape), its brightness and warmth (texture), and whether an
// optional part (eyeglasses, hat, earrings) is there at all. No outside classifier is involved.
import type { RawOutputs } from '../inference/raw-outputs.ts';
import type { ComponentPart, ModelInfo } from '../inference/types.ts';

/** The measures of one part; `presence` only for optional parts. */
export const SHAPE_MEASURES = ['area', 'width', 'height', 'x', 'y'] as const;
export const TEXTURE_MEASURES = ['brightness', 'warmth'] as const;
export type MeasureName = (typeof SHAPE_MEASURES)[number] | (typeof TEXTURE_MEASURES)[number] | 'presence';

/** Parts a face may or may not have: they get a presence direction (a linear classifier). */
export const OPTIONAL_PARTS = ['eyeglasses', 'hat', 'earrings'];

/** A part counts as present when it covers more than this fraction of the image. */
export const PRESENCE_AREA = 0.005;

/** Which rows of the part a measure is fitted on: shape measures on the shape row, colour on the texture row. */
export function measurePart(measure: MeasureName): ComponentPart {
  return (TEXTURE_MEASURES as readonly string[]).includes(measure) ? 'TEXTURE' : 'SHAPE';
}

/** One part's measures in one render; NaN where undefined (a part with no pixels has no centre). */
export type PartMeasures = Record<MeasureName, number>;

/** Every part's measures for sample `i` of a raw output, by component index. */
export function measureRender(raw: RawOutputs, i: number): PartMeasures[] {
  const H = raw.size,
    K = raw.numComponents,
    P = H * H;
  const seg = raw.segmentation,
    img = raw.image;
  const segOff = i * K * P,
    imgOff = i * 3 * P;
  const n = new Float64Array(K),
    sx = new Float64Array(K),
    sy = new Float64Array(K),
    sxx = new Float64Array(K),
    syy = new Float64Array(K),
    lum = new Float64Array(K),
    warm = new Float64Array(K);
  for (let p = 0; p < P; p++) {
    let best = 0,
      bv = seg[segOff + p];
    for (let k = 1; k < K; k++) {
      const v = seg[segOff + k * P + p];
      if (v > bv) {
        bv = v;
        best = k;
      }
    }
    const x = ((p % H) + 0.5) / H,
      y = (Math.floor(p / H) + 0.5) / H;
    const c = (o: number) => (Math.min(1, Math.max(-1, img[imgOff + o * P + p])) + 1) / 2;
    const r = c(0),
      g = c(1),
      b = c(2);
    n[best]++;
    sx[best] += x;
    sy[best] += y;
    sxx[best] += x * x;
    syy[best] += y * y;
    lum[best] += 0.299 * r + 0.587 * g + 0.114 * b;
    warm[best] += r - b;
  }
  const out: PartMeasures[] = [];
  for (let k = 0; k < K; k++) {
    const m = n[k];
    const mx = sx[k] / m,
      my = sy[k] / m;
    const def = (v: number) => (m > 0 ? v : NaN);
    out.push({
      area: m / P,
      width: def(Math.sqrt(12 * Math.max(0, sxx[k] / m - mx * mx))),
      height: def(Math.sqrt(12 * Math.max(0, syy[k] / m - my * my))),
      x: def(mx),
      y: def(my),
      brightness: def(lum[k] / m),
      warmth: def(warm[k] / m),
      presence: m / P > PRESENCE_AREA ? 1 : 0,
    });
  }
  return out;
}

/** The measures learn-directions fits for a model: every named measure of every part (presence for optional ones). */
export function measuresFor(info: ModelInfo): { component: number; name: string; measure: MeasureName }[] {
  const list: { component: number; name: string; measure: MeasureName }[] = [];
  for (const c of info.components) {
    const measures: MeasureName[] = [...SHAPE_MEASURES, ...TEXTURE_MEASURES];
    if (OPTIONAL_PARTS.includes(c.name)) measures.push('presence');
    for (const m of measures) list.push({ component: c.index, name: c.name, measure: m });
  }
  return list;
}

/** The attribute name of a measure: "hair-area", "eyeglasses-presence". */
export const attributeName = (component: string, measure: string) => `${component}-${measure}`;
