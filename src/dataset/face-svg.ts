// One cartoon face from a seed, as two SVGs of the same geometry: the picture, and the label map
// (every feature drawn flat in its class's code colour, so the topmost part drawn at a pixel is
// the label there).
import { faceToSvgString, generate, svgs } from 'facesjs';

/** facesjs's parameter object (its type is not exported from the package root). */
export type FaceConfig = ReturnType<typeof generate>;
import { FEATURE_CLASS } from './classes.ts';
import { mulberry32, withRandom } from './seeded-random.ts';

/** Square crop of facesjs's 400 x 600 portrait: the whole head with tall hair and hats, and the shoulders. */
export const CROP_VIEWBOX = '-40 50 480 480';

const MARK = '<!--ssg-feature:';

// Tag every feature's SVG with its feature name, so each top-level group of the output says
// which feature drew it. facesjs's svgs table is a plain mutable object; tagging is idempotent.
let tagged = false;
function tagFeatures(): void {
  if (tagged) return;
  const table = svgs as unknown as Record<string, Record<string, string>>;
  for (const [feature, variants] of Object.entries(table)) {
    for (const id of Object.keys(variants)) {
      if (!variants[id].startsWith(MARK)) variants[id] = `${MARK}${feature}-->${variants[id]}`;
    }
  }
  tagged = true;
}

export interface FaceSample {
  /** The picture, cropped square, transparent background. */
  imageSvg: string;
  /** Same geometry; class k drawn opaque in rgb(k, 0, 0), nothing drawn where the label is background. */
  labelSvg: string;
  background: string;
  gender: 'male' | 'female';
}

/** Everything a face is drawn from: facesjs's parameter object and the dataset's own background. */
export interface FaceParams {
  face: FaceConfig;
  background: string;
  gender: 'male' | 'female';
}

function hex(rand: () => number, lo: number, hi: number): string {
  const c = () =>
    Math.round(lo + rand() * (hi - lo))
      .toString(16)
      .padStart(2, '0');
  return `#${c()}${c()}${c()}`;
}

/** The parameters of one sample seed (the random draws are those the dataset has always made). */
export function sampleFace(seed: number): FaceParams {
  const rand = mulberry32(seed);
  return withRandom(rand, () => {
    const gender = rand() < 0.5 ? 'female' : 'male';
    // facesjs fixes the jersey's team colours; vary them, and the background, per face.
    const teamColors = [hex(rand, 20, 235), hex(rand, 20, 235), hex(rand, 20, 235)];
    const background = hex(rand, 120, 245);
    const face = generate({ teamColors }, { gender });
    return { face, background, gender };
  });
}

/** facesjs's SVG of a parameter object, cropped square (facesjs draws it without randomness). */
export function faceSvg(face: FaceConfig): string {
  tagFeatures();
  return faceToSvgString(structuredClone(face))
    .replace('viewBox="0 0 400 600"', `viewBox="${CROP_VIEWBOX}"`)
    .replace(' preserveAspectRatio="xMinYMin meet"', '');
}

export function drawParams(p: FaceParams): FaceSample {
  const svg = faceSvg(p.face);
  return { imageSvg: svg, labelSvg: labelSvg(svg), background: p.background, gender: p.gender };
}

/** Draws the face of one sample seed. */
export function drawFace(seed: number): FaceSample {
  return drawParams(sampleFace(seed));
}

interface FeatureGroup {
  feature: string;
  text: string;
}

function splitGroups(svg: string): { head: string; groups: FeatureGroup[]; tail: string } {
  const starts = [...svg.matchAll(GROUP_START)];
  if (starts.length === 0) throw new Error('facesjs output has no tagged feature groups');
  const end = svg.lastIndexOf('</svg>');
  const groups = starts.map((m, i) => ({
    feature: m[2],
    text: svg.slice(m.index, i + 1 < starts.length ? starts[i + 1].index : end),
  }));
  return { head: svg.slice(0, starts[0].index), groups, tail: svg.slice(end) };
}

/**
 * `mixed`'s drawing, with the groups of every feature not in `own` replaced by the same feature's
 * groups (in order) from `base`, where `base` draws them.
 */
export function spliceFeatures(mixed: string, base: string, own: string[]): string {
  const m = splitGroups(mixed);
  const b = splitGroups(base);
  const fromBase = new Map<string, string[]>();
  for (const g of b.groups) fromBase.set(g.feature, [...(fromBase.get(g.feature) ?? []), g.text]);
  const used = new Map<string, number>();
  const body = m.groups.map((g) => {
    if (own.includes(g.feature)) return g.text;
    const n = used.get(g.feature) ?? 0;
    used.set(g.feature, n + 1);
    // A feature facesjs draws only because of the swapped part (a hat that changes how hair is
    // drawn) has no twin in A's drawing: keep facesjs's own drawing of it.
    return fromBase.get(g.feature)?.[n] ?? g.text;
  });
  return m.head + body.join('') + m.tail;
}

const GROUP_START = /<g([^>]*)>\n<!--ssg-feature:(\w+)-->/g;

/** Rewrites each top-level feature group in its class's code colour, opaque, no gradients. */
export function labelSvg(svg: string): string {
  const starts = [...svg.matchAll(GROUP_START)];
  if (starts.length === 0) throw new Error('facesjs output has no tagged feature groups');
  let out = svg.slice(0, starts[0].index);
  for (let i = 0; i < starts.length; i++) {
    const m = starts[i];
    const end = i + 1 < starts.length ? starts[i + 1].index : svg.lastIndexOf('</svg>');
    const cls = FEATURE_CLASS[m[2]];
    if (cls === undefined) throw new Error(`facesjs feature ${m[2]} has no class`);
    out += recolor(svg.slice(m.index, end), `rgb(${cls},0,0)`);
  }
  return out + '</svg>';
}

function isInvisible(paint: string): boolean {
  const v = paint.trim().toLowerCase();
  if (v === 'none' || v === 'transparent') return true;
  const rgba = /^rgba\(([^)]*)\)$/.exec(v);
  return rgba !== null && Number(rgba[1].split(',')[3]) === 0;
}

function recolor(group: string, code: string): string {
  const paint = (v: string) => (isInvisible(v) ? 'none' : code);
  return (
    group
      // Default fill (unset) is black: make it the code colour for the whole group.
      .replace(/^<g/, `<g fill="${code}"`)
      .replace(/\b(fill|stroke)="([^"]*)"/g, (_, attr: string, v: string) => `${attr}="${paint(v)}"`)
      .replace(/\b(fill|stroke)\s*:\s*([^;"]+)/g, (_, attr: string, v: string) => `${attr}:${paint(v)}`)
      // Half-transparent paint still hides what is under it for labelling purposes.
      .replace(
        /\b((?:fill-|stroke-)?opacity)="([^"]*)"/g,
        (_, a: string, v: string) => `${a}="${Number(v) > 0 ? 1 : 0}"`,
      )
      .replace(
        /\b((?:fill-|stroke-)?opacity)\s*:\s*([^;"]+)/g,
        (_, a: string, v: string) => `${a}:${Number(v) > 0 ? 1 : 0}`,
      )
  );
}
