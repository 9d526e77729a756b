// The statements of an INVERT_IMAGE job (src/jobs/sql/job-progress.ts, store-inversion.ts) and the
// face it leaves behind when the job ends for good (fail.ts, sweep-fail.ts), on a real database.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { CANCEL_JOB_SQL, CANCELLED_IMPORT_REASON } from '../../src/jobs/sql/cancel.ts';
import { failJob } from '../../src/jobs/sql/fail.ts';
import { reportJobProgress } from '../../src/jobs/sql/job-progress.ts';
import { storeInversion } from '../../src/jobs/sql/store-inversion.ts';
import { sweepFail } from '../../src/jobs/sql/sweep-fail.ts';
import { addJob, createFace, jobRow, openJobsContext, type JobsTestContext } from './helpers.ts';

let t: JobsTestContext;
let pool: pg.Pool;
const W = 'inversion-test-worker';

before(async () => {
  t = await openJobsContext();
  pool = new pg.Pool({ connectionString: t.databaseUrl, max: 2 });
});
after(async () => {
  await pool?.end();
  await t?.close();
});

/** A face made INVERTING with a RUNNING INVERT_IMAGE job owned by W. */
async function invertingFace(seed: number, attempts = 1) {
  const face = await createFace(t.ctx, seed);
  await pool.query(`UPDATE "Face" SET status = 'INVERTING' WHERE id = $1::uuid`, [face.faceId]);
  const jobId = await addJob(t.ctx, { faceId: face.faceId, editId: face.editId, kind: 'INVERT_IMAGE', maxAttempts: 2 });
  await pool.query(
    `UPDATE "InferenceJob" SET status = 'RUNNING', "workerId" = $2, attempts = $3,
       "updatedAt" = timezone('UTC', now()) - interval '1 minute' WHERE id = $1::uuid`,
    [jobId, W, attempts],
  );
  return { ...face, jobId };
}

const faceStatus = async (faceId: string) =>
  (await t.ctx.prisma.face.findUniqueOrThrow({ where: { id: faceId } })).status;

test('progress is written only by the worker running the job, clamped to 0..1', async () => {
  const f = await invertingFace(31);
  assert.equal(await reportJobProgress(pool, { jobId: f.jobId, workerId: 'someone-else', progress: 0.5 }), false);
  assert.equal((await jobRow(t.ctx, f.jobId)).progress, null);
  assert.equal(await reportJobProgress(pool, { jobId: f.jobId, workerId: W, progress: 0.5 }), true);
  assert.equal((await jobRow(t.ctx, f.jobId)).progress, 0.5);
  await reportJobProgress(pool, { jobId: f.jobId, workerId: W, progress: 7 });
  assert.equal((await jobRow(t.ctx, f.jobId)).progress, 1);
});

test('the found latent is stored once and the face becomes READY; a late second result changes nothing', async () => {
  const f = await invertingFace(32);
  const first = Buffer.from(new Float32Array(f.latent.length).fill(0.25).buffer);
  const second = Buffer.from(new Float32Array(f.latent.length).fill(-3).buffer);
  const a = await storeInversion(pool, { faceId: f.faceId, editId: f.editId, latent: first, psnr: 21.5 });
  assert.equal(a.stored, true);
  assert.ok(a.latent!.equals(first));
  assert.equal(await faceStatus(f.faceId), 'READY');
  const b = await storeInversion(pool, { faceId: f.faceId, editId: f.editId, latent: second, psnr: 9 });
  assert.equal(b.stored, false);
  assert.ok(b.latent!.equals(first), 'the late result gets the stored latent back');
  const edit = await t.ctx.prisma.edit.findUniqueOrThrow({ where: { id: f.editId } });
  assert.ok(Buffer.from(edit.latent).equals(first));
  // The reconstruction's PSNR lands in the params once, with the latent it belongs to.
  assert.equal((edit.params as { psnr?: number }).psnr, 21.5);
});

test('a failed inversion job leaves its face FAILED (worker failure and sweeper alike); renders do not', async () => {
  const f = await invertingFace(33);
  assert.equal(
    await failJob(pool, { jobId: f.jobId, workerId: W, error: 'encoder exploded', errorDetail: 'test' }),
    true,
  );
  assert.equal((await jobRow(t.ctx, f.jobId)).status, 'FAILED');
  assert.equal(await faceStatus(f.faceId), 'FAILED');

  const g = await invertingFace(34, 2);
  assert.deepEqual(await sweepFail(pool, { jobIds: [g.jobId], staleAfterMs: 1000 }), [g.jobId]);
  assert.equal(await faceStatus(g.faceId), 'FAILED');

  // A render job failing does not touch its face's status.
  const r = await createFace(t.ctx, 35);
  const jobId = await addJob(t.ctx, { faceId: r.faceId, editId: r.editId });
  await pool.query(`UPDATE "InferenceJob" SET status = 'RUNNING', "workerId" = $2 WHERE id = $1::uuid`, [jobId, W]);
  await failJob(pool, { jobId, workerId: W, error: 'x', errorDetail: 'test' });
  assert.equal(await faceStatus(r.faceId), 'READY');
});

test('cancelling a QUEUED inversion leaves its face FAILED, not INVERTING for good; a cancelled render leaves its face READY', async () => {
  const face = await createFace(t.ctx, 41);
  await pool.query(`UPDATE "Face" SET status = 'INVERTING' WHERE id = $1::uuid`, [face.faceId]);
  const jobId = await addJob(t.ctx, { faceId: face.faceId, editId: face.editId, kind: 'INVERT_IMAGE', maxAttempts: 2 });
  const r = await pool.query(CANCEL_JOB_SQL, [jobId]);
  assert.equal(r.rowCount, 1);
  assert.equal((await jobRow(t.ctx, jobId)).status, 'CANCELLED');
  assert.equal(await faceStatus(face.faceId), 'FAILED');
  // A second cancel finds nothing to cancel and changes nothing.
  assert.equal((await pool.query(CANCEL_JOB_SQL, [jobId])).rowCount, 0);

  const other = await createFace(t.ctx, 42);
  const renderJob = await addJob(t.ctx, { faceId: other.faceId, editId: other.editId });
  await pool.query(CANCEL_JOB_SQL, [renderJob]);
  assert.equal((await jobRow(t.ctx, renderJob)).status, 'CANCELLED');
  assert.equal(await faceStatus(other.faceId), 'READY');
});

test('cancelling a RUNNING inversion ends it CANCELLED with its face FAILED and the reason; a RUNNING render is not cancelled', async () => {
  const f = await invertingFace(43);
  assert.equal((await pool.query(CANCEL_JOB_SQL, [f.jobId])).rowCount, 1);
  assert.equal((await jobRow(t.ctx, f.jobId)).status, 'CANCELLED');
  const face = await t.ctx.prisma.face.findUniqueOrThrow({ where: { id: f.faceId } });
  assert.deepEqual([face.status, face.failureReason], ['FAILED', CANCELLED_IMPORT_REASON]);
  // The worker's next progress report finds the job no longer its own.
  assert.equal(await reportJobProgress(pool, { jobId: f.jobId, workerId: W, progress: 0.5 }), false);

  const r = await createFace(t.ctx, 44);
  const jobId = await addJob(t.ctx, { faceId: r.faceId, editId: r.editId });
  await pool.query(`UPDATE "InferenceJob" SET status = 'RUNNING', "workerId" = $2 WHERE id = $1::uuid`, [jobId, W]);
  assert.equal((await pool.query(CANCEL_JOB_SQL, [jobId])).rowCount, 0);
  assert.equal((await jobRow(t.ctx, jobId)).status, 'RUNNING');
});
