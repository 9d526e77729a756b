// The locality figure: for a direction, how much its own measure changes per unit (W units) and
// how much every other part's area changes, on ordinary sampled faces (all rows one w, psi 0.7),
// moving only the part's rows versus adding the same vector to every row of the latent.
import { DEFAULT_TRUNCATION } from '../inference/latent.ts';
import type { ModelInfo } from '../inference/types.ts';
import { type Direction, applyDirection, applyToAllRows, componentIndex } from './direction.ts';
import { type LearnRuntime, measureLatents } from './learn.ts';
import type { MeasureName, PartMeasures } from './measures.ts';

export interface LocalityRow {
  name: string;
  accuracy: number | null;
  /** d(own measure) / d(amount), mean over faces: moving the part's rows / every row. */
  ownPerUnit: { part: number; all: number };
  /** Sum over the other parts of |d(area)/d(amount)|, mean over faces. */
  otherAreaPerUnit: { part: number; all: number };
  /** The other part whose area moves most when every row moves, and by how much per unit. */
  worstOther: { part: string; perUnit: number; partRowsPerUnit: number };
}

export interface LocalityOptions {
  faces?: number;
  seed?: number;
  /** Step in units of the direction's spread (default 1): the figure is (m(+a) - m(-a)) / 2a. */
  steps?: number;
}

/** What a direction measures: "hair-area" -> area; examples and imported ones have none. */
export function measureOf(d: Direction): MeasureName | undefined {
  const m = d.name.slice(d.component.length + 1) as MeasureName;
  return d.source === 'learned' && d.name.startsWith(`${d.component}-`) ? m : undefined;
}

export async function locality(
  rt: LearnRuntime & { sample(seed: number, truncation?: number): Promise<Float32Array> },
  directions: Direction[],
  opts: LocalityOptions = {},
): Promise<LocalityRow[]> {
  const info: ModelInfo = rt.info;
  const nFaces = opts.faces ?? 32;
  const seed = opts.seed ?? 1000;
  const faces: Float32Array[] = [];
  for (let i = 0; i < nFaces; i++) faces.push(await rt.sample(seed + i, DEFAULT_TRUNCATION));
  const rows: LocalityRow[] = [];
  for (const d of directions) {
    const measure = measureOf(d);
    if (!measure) continue;
    const k = componentIndex(info, d.component);
    const a = d.spread * (opts.steps ?? 1);
    const moved = (fn: typeof applyDirection, sign: number) => faces.map((f) => fn(info, f, d, sign * a));
    const [pp, pm, ap, am] = await Promise.all([
      measureLatents(rt, moved(applyDirection, 1)),
      measureLatents(rt, moved(applyDirection, -1)),
      measureLatents(rt, moved(applyToAllRows, 1)),
      measureLatents(rt, moved(applyToAllRows, -1)),
    ]);
    const own = (plus: PartMeasures[][], minus: PartMeasures[][]) => {
      let s = 0,
        c = 0;
      for (let i = 0; i < nFaces; i++) {
        const v = (plus[i][k][measure] - minus[i][k][measure]) / (2 * a);
        if (Number.isFinite(v)) {
          s += v;
          c++;
        }
      }
      return c ? s / c : NaN;
    };
    const areaOf = (plus: PartMeasures[][], minus: PartMeasures[][], j: number) =>
      plus.reduce((s, p, i) => s + Math.abs(p[j].area - minus[i][j].area), 0) / (2 * a * nFaces);
    const others = info.components.filter((c) => c.index !== k);
    const sumOthers = (plus: PartMeasures[][], minus: PartMeasures[][]) =>
      others.reduce((s, c) => s + areaOf(plus, minus, c.index), 0);
    let worst = { part: '', perUnit: -1, partRowsPerUnit: 0 };
    for (const c of others) {
      const v = areaOf(ap, am, c.index);
      if (v > worst.perUnit) worst = { part: c.name, perUnit: v, partRowsPerUnit: areaOf(pp, pm, c.index) };
    }
    rows.push({
      name: d.name,
      accuracy: d.accuracy,
      ownPerUnit: { part: own(pp, pm), all: own(ap, am) },
      otherAreaPerUnit: { part: sumOthers(pp, pm), all: sumOthers(ap, am) },
      worstOther: worst,
    });
  }
  return rows;
}

const f = (v: number) => (Number.isFinite(v) ? v.toPrecision(3) : 'n/a');

/** The locality figures as a Markdown table. */
export function localityTable(rows: LocalityRow[]): string {
  const head =
    "| direction | held-out score | own measure / unit: part rows | own / unit: all rows | other parts' area / unit: part rows | other parts' area / unit: all rows | most moved other part (all rows; part rows) |\n" +
    '| --- | --- | --- | --- | --- | --- | --- |\n';
  return (
    head +
    rows
      .map(
        (r) =>
          `| ${r.name} | ${r.accuracy === null ? 'n/a' : r.accuracy.toFixed(3)} | ${f(r.ownPerUnit.part)} | ${f(r.ownPerUnit.all)} | ${f(r.otherAreaPerUnit.part)} | ${f(r.otherAreaPerUnit.all)} | ${r.worstOther.part} ${f(r.worstOther.perUnit)}; ${f(r.worstOther.partRowsPerUnit)} |`,
      )
      .join('\n') +
    '\n'
  );
}
