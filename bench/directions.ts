// Locality of attribute directions: npx tsx bench/directions.ts [--model DIR] [--faces N] [--seed S]
// For each learned direction in DIR/directions.json: how much its own measure changes per unit
// (W units) and how much every other part's area changes, moving only the part's rows versus
// adding the same vector to every row of the latent. Prints a Markdown table, then one JSON line.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readDirections } from '../src/directions/file.ts';
import { locality, localityTable } from '../src/directions/locality.ts';
import { ModelRuntime } from '../src/inference/runtime.ts';
import { PROJECT_ROOT } from '../src/paths.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(PROJECT_ROOT, 'models', 'cartoon64') },
    faces: { type: 'string', default: '32' },
    seed: { type: 'string', default: '1000' },
  },
});
const rt = await ModelRuntime.load(values.model!);
try {
  const directions = readDirections(values.model!, rt.info);
  const t0 = performance.now();
  const rows = await locality(rt, directions, { faces: Number(values.faces), seed: Number(values.seed) });
  console.log(`model ${rt.info.name}; ${values.faces} faces (seeds ${values.seed}+, psi 0.7); step +-1 spread\n`);
  console.log(localityTable(rows));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ratio = (r: (typeof rows)[number], k: 'part' | 'all') =>
    r.otherAreaPerUnit[k] / Math.max(1e-9, Math.abs(r.ownPerUnit[k]));
  console.log(
    JSON.stringify({
      model: rt.info.id,
      directions: rows.length,
      faces: Number(values.faces),
      seconds: (performance.now() - t0) / 1000,
      median_other_area_per_unit: {
        part_rows: median(rows.map((r) => r.otherAreaPerUnit.part)),
        all_rows: median(rows.map((r) => r.otherAreaPerUnit.all)),
      },
      median_other_area_per_own_change: {
        part_rows: median(rows.map((r) => ratio(r, 'part'))),
        all_rows: median(rows.map((r) => ratio(r, 'all'))),
      },
    }),
  );
} finally {
  await rt.close();
}
