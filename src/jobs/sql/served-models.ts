// served-models: the models some live worker has loaded (its QueueWorker row is fresher than
// deadAfterMs and lists the model). A QUEUED job of any other model waits for such a worker.

import { liveWorkerSql } from './worker-registry.ts';

/** One parameter: deadAfterMs in seconds. Rows: { modelId }. */
export const SERVED_MODELS_SQL = `SELECT DISTINCT m AS "modelId" FROM "QueueWorker" w, unnest(w."modelIds") AS m
  WHERE ${liveWorkerSql('w', '$1::float8')}`;

/** What InferenceJob.waitingReason says of a QUEUED job whose model no live worker has loaded. */
export function noWorkerReason(modelId: string): string {
  return `no live worker serves model ${modelId}; the job waits for one (its attempts are not used)`;
}
