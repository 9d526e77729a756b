// queue-job: the InferenceJob row of a new QUEUED job, its graphile-worker queue entry and its
// JOB_UPDATED event, as SQL pieces. The domain's edit statements compose them with the Edit and
// Face writes of the same edit, so a job is created in one statement with what it renders.
import { NOW_UTC } from '../../db/clock.ts';
import { notifyJobSql } from '../events.ts';
import { addJobSql } from '../task.ts';

/** `INSERT INTO "InferenceJob"` of a QUEUED job; the caller adds its queue entry and event. */
export function insertJobSql(p: {
  id: string;
  kind: string;
  faceId: string;
  editId: string;
  modelId: string;
  options: string;
  cacheKey: string;
}) {
  return `INSERT INTO "InferenceJob" (id, kind, "faceId", "editId", "modelId", options, "cacheKey", "createdAt", "updatedAt")
       VALUES (${p.id}::uuid, ${p.kind}::"JobKind", ${p.faceId}::uuid, ${p.editId}::uuid, ${p.modelId}, ${p.options}::jsonb, ${p.cacheKey}, ${NOW_UTC}, ${NOW_UTC})
       RETURNING *`;
}

/** The queue entry and JOB_UPDATED event of job row `j`, as select-list items. */
export const QUEUE_AND_ANNOUNCE = `(${addJobSql('j')}).id::text AS "queueJobId", ${notifyJobSql('j')}::text AS "jobEvent"`;
