// Reading records back from raw statements.
import { editSelect, type EditRecord, type FaceRecord, type JobRecord } from '../records.ts';

export const EDIT_COLUMNS = Object.keys(editSelect) as (keyof EditRecord)[];
export const FACE_COLUMNS: (keyof FaceRecord)[] = [
  'id',
  'projectId',
  'name',
  'headEditId',
  'editCount',
  'status',
  'failureReason',
  'createdAt',
  'updatedAt',
];
export const JOB_COLUMNS: (keyof JobRecord)[] = [
  'id',
  'kind',
  'faceId',
  'editId',
  'modelId',
  'options',
  'progress',
  'status',
  'attempts',
  'maxAttempts',
  'error',
  'workerId',
  'renderId',
  'createdAt',
  'startedAt',
  'finishedAt',
  'updatedAt',
];

const ENUM_COLUMNS = new Set(['operation', 'kind', 'status']);

/** `alias."column" AS "alias.column"` for each column (enums as text), read back by `record`. */
export function selectRecord(alias: string, columns: string[]): string {
  return columns.map((c) => `${alias}."${c}"${ENUM_COLUMNS.has(c) ? '::text' : ''} AS "${alias}.${c}"`).join(', ');
}

/** The columns of `alias` in a row selected with `selectRecord`. */
export function record<T>(row: Record<string, unknown>, alias: string): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (k.startsWith(`${alias}.`)) out[k.slice(alias.length + 1)] = v;
  return out as T;
}
