// release: a stopping worker's RUNNING jobs -> QUEUED + JOB_UPDATED, its queue locks dropped, and
// idle workers woken (three statements; each is safe alone: the sweeper reconciles the rest).
import { notifyJobSql } from '../events.ts';
import { jobTransitionSql } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';

export async function releaseJobs(
  db: Queryable,
  p: { jobIds: string[]; workerId: string; queueWorkerIds: string[] },
): Promise<string[]> {
  const $ = new Params();
  const update = jobTransitionSql('release', {
    set: `"workerId" = NULL`,
    where: `j.id = ANY (${$.add(p.jobIds, 'uuid[]')}) AND j."workerId" = ${$.add(p.workerId)}`,
  });
  const r = await db.query<{ id: string }>(`WITH u AS (${update}) SELECT u.id, ${notifyJobSql('u')} FROM u`, $.values);
  await unlockQueueWorkers(db, p.queueWorkerIds);
  await wakeWorkers(db, p.jobIds.length);
  return r.rows.map((x) => x.id);
}

/** graphile-worker's locks held by these queue worker ids are dropped. */
export async function unlockQueueWorkers(db: Queryable, queueWorkerIds: string[]): Promise<void> {
  await db.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [queueWorkerIds]);
}

/** Idle graphile-workers pick up jobs now instead of at their next poll. */
export async function wakeWorkers(db: Queryable, count: number): Promise<void> {
  await db.query(`SELECT pg_notify('jobs:insert', json_build_object('count', $1::int)::text)`, [count]);
}
