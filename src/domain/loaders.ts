// Per-request DataLoaders: nested fields (a page of faces with their heads, renders and jobs)
// cost one SQL query per kind of thing, whatever the page size.
import DataLoader from 'dataloader';
import type { AppContext } from '../context.ts';
import { JOB_DEFAULTS } from '../jobs/config.ts';
import { SERVED_MODELS_SQL } from '../jobs/sql/served-models.ts';
import {
  editSelect,
  renderSelect,
  type EditRecord,
  type FaceRecord,
  type JobRecord,
  type ProjectRecord,
  type RenderRecord,
} from './records.ts';
import { childCounts, childrenOf } from './sql/children.ts';

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const map = new Map<K, V>();
  for (const r of rows) map.set(keyOf(r), r);
  return keys.map((k) => map.get(k) ?? null);
}

function groupBy<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): V[][] {
  const map = new Map<K, V[]>();
  for (const r of rows) {
    const k = keyOf(r);
    const list = map.get(k);
    if (list) list.push(r);
    else map.set(k, [r]);
  }
  return keys.map((k) => map.get(k) ?? []);
}

/** Which page of which edit's children (Edit.children). */
export interface ChildPageKey {
  parentId: string;
  /** Rows to read (the page size plus one, to know whether there is more). */
  limit: number;
  /** Children after this seq; 0 = from the first. */
  afterSeq: number;
}

const childPageKey = (k: ChildPageKey) => `${k.parentId}:${k.limit}:${k.afterSeq}`;

export function createLoaders(app: AppContext) {
  const prisma = () => app.prisma;
  const edit = new DataLoader<string, EditRecord | null>(async (ids) =>
    byKey(ids, await prisma().edit.findMany({ where: { id: { in: [...ids] } }, select: editSelect }), (r) => r.id),
  );
  const face = new DataLoader<string, FaceRecord | null>(async (ids) =>
    byKey(ids, await prisma().face.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
  );
  const project = new DataLoader<string, ProjectRecord | null>(async (ids) =>
    byKey(ids, await prisma().project.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
  );
  const render = new DataLoader<string, RenderRecord | null>(async (ids) =>
    byKey(ids, await prisma().render.findMany({ where: { id: { in: [...ids] } }, select: renderSelect }), (r) => r.id),
  );
  /** Component indices with a depth map, by Render id (the maps belong to the shared image). */
  const depthComponents = new DataLoader<string, number[]>(async (ids) =>
    byKey(
      ids,
      await prisma().render.findMany({
        where: { id: { in: [...ids] } },
        select: {
          id: true,
          image: { select: { depths: { select: { componentIndex: true }, orderBy: { componentIndex: 'asc' } } } },
        },
      }),
      (r) => r.id,
    ).map((r) => r?.image.depths.map((d) => d.componentIndex) ?? []),
  );
  const job = new DataLoader<string, JobRecord | null>(async (ids) =>
    byKey(ids, await prisma().inferenceJob.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
  );
  /** Every job of an edit, newest first. */
  const jobsByEdit = new DataLoader<string, JobRecord[]>(async (ids) =>
    groupBy(
      ids,
      await prisma().inferenceJob.findMany({ where: { editId: { in: [...ids] } }, orderBy: { id: 'desc' } }),
      (r) => r.editId,
    ),
  );
  /**
   * A page of an edit's children, oldest first: `limit` rows after seq `afterSeq`. Keys with the
   * same page (the usual case: every edit of a list asking for `first: n`) share one statement.
   */
  const childPage = new DataLoader<ChildPageKey, EditRecord[], string>(
    async (keys) => {
      const pages = new Map<string, ChildPageKey[]>();
      for (const k of keys) {
        const page = `${k.limit}:${k.afterSeq}`;
        pages.set(page, [...(pages.get(page) ?? []), k]);
      }
      const rows = new Map<string, EditRecord[]>();
      for (const group of pages.values()) {
        const { limit, afterSeq } = group[0]!;
        const parents = [...new Set(group.map((k) => k.parentId))];
        const found = groupBy(parents, await childrenOf(prisma(), parents, limit, afterSeq), (r) => r.parentId!);
        parents.forEach((parentId, i) => rows.set(childPageKey({ parentId, limit, afterSeq }), found[i]!));
      }
      return keys.map((k) => rows.get(childPageKey(k)) ?? []);
    },
    { cacheKeyFn: childPageKey },
  );
  /** Number of children of an edit. */
  const childCount = new DataLoader<string, number>(async (ids) => {
    const counts = await childCounts(prisma(), [...ids]);
    return ids.map((id) => counts.get(id) ?? 0);
  });
  /** The root edit (seq 1) of a face. */
  const rootByFace = new DataLoader<string, EditRecord | null>(async (ids) =>
    byKey(
      ids,
      await prisma().edit.findMany({ where: { faceId: { in: [...ids] }, seq: 1 }, select: editSelect }),
      (r) => r.faceId,
    ),
  );
  /** Whether some live worker has loaded the model (one read per request, whatever the models). */
  const modelServed = new DataLoader<string, boolean>(async (ids) => {
    const rows = await prisma().$queryRawUnsafe<{ modelId: string }[]>(
      SERVED_MODELS_SQL,
      JOB_DEFAULTS.deadAfterMs / 1000,
    );
    const served = new Set(rows.map((r) => r.modelId));
    return ids.map((id) => served.has(id));
  });
  return {
    edit,
    face,
    project,
    render,
    depthComponents,
    job,
    jobsByEdit,
    childPage,
    childCount,
    rootByFace,
    modelServed,
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
