// Live-update events written from SQL, in the same statement as the status change they describe:
// NOTIFY is delivered on commit, so subscribers (src/pubsub/pg-pubsub.ts in every API process)
// never hear of a status that was rolled back, and the event costs no extra round trip.
import { EVENTS_CHANNEL } from '../pubsub/pg-pubsub.ts';

/**
 * A `pg_notify(...)` expression announcing JOB_UPDATED for the InferenceJob columns of `alias`
 * (which must expose id, "faceId", "editId", status).
 */
export function notifyJobSql(alias: string): string {
  return `pg_notify('${EVENTS_CHANNEL}', json_build_object('k', 'JOB_UPDATED', 'p', json_build_object(
    'jobId', ${alias}.id, 'faceId', ${alias}."faceId", 'editId', ${alias}."editId", 'status', ${alias}.status))::text)`;
}

/** A `pg_notify(...)` expression announcing FACE_UPDATED {faceId, reason} for `alias`."faceId". */
export function notifyFaceSql(alias: string, reason: 'EDIT' | 'HEAD_MOVED' | 'RENDER'): string {
  return `pg_notify('${EVENTS_CHANNEL}', json_build_object('k', 'FACE_UPDATED', 'p', json_build_object(
    'faceId', ${alias}."faceId", 'reason', '${reason}'))::text)`;
}
