// /readyz: the database answers, the demo model is loaded, and queued work has a live worker to
// run it (an API-only process with jobs waiting and no worker seen would accept edits that never render).
import type { AppContext } from '../context.ts';
import { JOB_DEFAULTS } from '../jobs/config.ts';
import { queueHealth } from '../jobs/sql/queue-health.ts';

export interface Readiness {
  ok: boolean;
  checks: Record<string, string>;
}

export async function readiness(app: AppContext): Promise<Readiness> {
  const checks: Record<string, string> = {};
  let workers = 'unknown (database unreachable)';
  try {
    const row = await queueHealth(app.prisma, { deadAfterMs: JOB_DEFAULTS.deadAfterMs });
    checks.database = 'ok';
    if (row.alive > 0) workers = `ok (${row.alive} alive)`;
    else if (row.queued === 0) workers = 'ok (none alive, nothing queued)';
    else workers = `${row.queued} job(s) queued and no live worker seen in ${JOB_DEFAULTS.deadAfterMs / 1000} s`;
  } catch (err) {
    // The database's own text (host names, users, SQL) is for the operator's log, not for callers.
    app.log.warn({ err: (err as Error).message }, 'readiness: database unreachable');
    checks.database = 'unreachable (see the server log)';
  }
  const models = app.models.list();
  checks.models = app.models.get(app.models.defaultModelId) ? `ok (${models.length} loaded)` : 'not loaded';
  checks.workers = workers;
  const ok = [checks.database, checks.models, checks.workers].every((c) => c.startsWith('ok'));
  return { ok, checks };
}
