// A token's job rate, as a token bucket in the database so that every API process shares it.
// Taken inside the transaction that queues the jobs: a refusal rolls the debit back with the rest,
// and the row lock orders one token's concurrent writes (it is always the last lock taken, after
// the face's, so it cannot deadlock with them). Work that is expensive before anything is queued
// (importImage's decoding, previewEdit's render in the API process, learnAttribute's fits) takes
// it first, in a statement of its own: the allowance is spent even if the request then fails.
import { NOW_UTC } from '../../db/clock.ts';
import type { PrismaClient, Tx } from '../../db/client.ts';
import { ErrorCode, appError } from '../errors.ts';

export interface JobRate {
  /** Sustained jobs per minute; 0 = unlimited. */
  jobsPerMinute: number;
  /** Bucket size: jobs allowed at once after an idle period. */
  jobBurst: number;
}

const TAKE_SQL = `
  INSERT INTO "JobAllowance" AS a ("tokenId", available, "refilledAt")
  VALUES ($1::uuid, $2::float8 - $4::float8, ${NOW_UTC})
  ON CONFLICT ("tokenId") DO UPDATE SET
    available = LEAST($2::float8,
                      a.available + EXTRACT(EPOCH FROM (${NOW_UTC} - a."refilledAt")) * $3::float8 / 60)
                - $4::float8,
    "refilledAt" = ${NOW_UTC}
  RETURNING available`;

/** What a dry run at PREVIEW quality costs, in jobs (a slider sends one per move). */
export const PREVIEW_JOB_COST = 0.1;

/** Takes `jobs` from the token's allowance, or throws RATE_LIMITED (retryAfter in seconds). */
export async function takeJobAllowance(tx: Tx | PrismaClient, tokenId: string, rate: JobRate, jobs = 1): Promise<void> {
  if (rate.jobsPerMinute <= 0) return;
  const rows = await tx.$queryRawUnsafe<{ available: number }[]>(
    TAKE_SQL,
    tokenId,
    rate.jobBurst,
    rate.jobsPerMinute,
    jobs,
  );
  const available = Number(rows[0]!.available);
  if (available >= 0) return;
  const retryAfter = Math.max(1, Math.ceil((-available * 60) / rate.jobsPerMinute));
  throw appError(
    ErrorCode.RATE_LIMITED,
    `this token may queue ${rate.jobsPerMinute} jobs a minute (bursts of ${rate.jobBurst}; a preview counts ${PREVIEW_JOB_COST}); retry in ${retryAfter} s`,
    { retryAfter, jobsPerMinute: rate.jobsPerMinute, burst: rate.jobBurst },
  );
}
