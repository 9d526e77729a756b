// The token's job allowance pays for the expensive work of importImage (decoding), previewEdit (a
// render in the API process) and learnAttribute (the fits) before it is done, and a workspace keeps
// at most MAX_WORKSPACE_DIRECTIONS learned attributes. With the shipped model (it has an encoder).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { loadConfig } from '../../src/config.ts';
import { MAX_WORKSPACE_DIRECTIONS } from '../../src/domain/sql/attribute-directions.ts';
import { PREVIEW_JOB_COST } from '../../src/domain/sql/job-allowance.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createFace, createProject, ok, snapshot } from './util.ts';

let app: TestApp;
let projectId: string;
let tokenId: string;

before(async () => {
  app = await startTestApp({
    runWorker: false,
    builtinModelsDir: path.join(PROJECT_ROOT, 'models'),
    demoModel: false,
    // A slow refill, so that what a test leaves in the allowance stays put while it runs.
    limits: { ...loadConfig({}).limits, jobsPerMinute: 1, jobBurst: 50 },
  });
  projectId = await createProject(app.gql, 'allowance');
  const rows = await app.ctx.prisma.apiToken.findMany({ where: { workspaceId: app.workspaceId } });
  tokenId = rows[0]!.id;
});
after(async () => {
  await app?.close();
});

/** Leaves `jobs` in the token's allowance. */
async function allowance(jobs: number): Promise<void> {
  await app.ctx.prisma.$executeRawUnsafe(
    `UPDATE "JobAllowance" SET available = $2, "refilledAt" = timezone('UTC', now()) WHERE "tokenId" = $1::uuid`,
    tokenId,
    jobs,
  );
}
const available = async () => (await app.ctx.prisma.jobAllowance.findUniqueOrThrow({ where: { tokenId } })).available;
const code = (r: { errors?: any[] }) => r.errors?.[0]?.extensions?.code;

function picture(): string {
  const png = new PNG({ width: 64, height: 64 });
  for (let i = 0; i < 64 * 64; i++) png.data.set([(i * 3) % 256, (i >> 6) * 4, 90, 255], i * 4);
  return PNG.sync.write(png).toString('base64');
}
const IMPORT = `mutation($p: ID!, $img: String!) { importImage(input: {projectId: $p, name: "mine", imageBase64: $img}) { face { id } } }`;

test('importImage: a spent allowance refuses it before the picture is decoded, writing nothing; a granted one is taken once', async () => {
  await createFace(app.gql, projectId, 1, 'first'); // the token's allowance row exists from here
  const before = { ...(await snapshot(app)), sources: await app.ctx.prisma.sourceImage.count() };
  await allowance(0.5);
  // Not a picture at all: refused for the allowance, so nothing was decoded.
  assert.equal(
    code(await app.gql(IMPORT, { p: projectId, img: Buffer.from('not an image').toString('base64') })),
    'RATE_LIMITED',
  );
  const refused = await app.gql(IMPORT, { p: projectId, img: picture() });
  assert.equal(code(refused), 'RATE_LIMITED');
  assert.ok(refused.errors![0].extensions.retryAfter >= 1);
  assert.deepEqual({ ...(await snapshot(app)), sources: await app.ctx.prisma.sourceImage.count() }, before);

  await allowance(1.5);
  await ok(app.gql(IMPORT, { p: projectId, img: picture() }));
  const left = await available();
  assert.ok(left >= 0.5 && left < 0.6, `one job taken, not two (left ${left})`);
});

test(`previewEdit: the render is paid for first; a PREVIEW costs ${PREVIEW_JOB_COST} of a job, a FULL one a job`, async () => {
  await allowance(10);
  const face = await createFace(app.gql, projectId, 2, 'previewed');
  const preview = (quality: string) =>
    app.gql(
      `mutation($f: ID!) { previewEdit(input: {truncation: {faceId: $f, psi: 0.5}, quality: ${quality}}) { width } }`,
      { f: face.faceId },
    );
  await ok(preview('PREVIEW')); // the API process opens its preview session
  await allowance(0.15);
  await ok(preview('PREVIEW'));
  assert.equal(code(await preview('PREVIEW')), 'RATE_LIMITED', 'what is left (0.05) pays for no preview');
  await allowance(0.5);
  assert.equal(code(await preview('FULL')), 'RATE_LIMITED', 'a FULL render costs a whole job');
  await allowance(5);
  await ok(preview('FULL'));
});

test(`learnAttribute: the fits are paid for first; a workspace keeps at most ${MAX_WORKSPACE_DIRECTIONS} attributes (TOO_MANY_ATTRIBUTES), rewriting one is allowed`, async () => {
  await allowance(20);
  const faces: string[] = [];
  for (let s = 0; s < 4; s++) faces.push((await createFace(app.gql, projectId, 200 + s, `m${s}`)).faceId);
  const learn = (name: string) =>
    app.gql(`mutation($i: LearnAttributeInput!) { learnAttribute(input: $i) { name source } }`, {
      i: {
        projectId,
        name,
        component: 'hair',
        part: 'SHAPE',
        positiveFaceIds: faces.slice(0, 2),
        negativeFaceIds: faces.slice(2),
      },
    });
  const stored = () => app.ctx.prisma.attributeDirection.count({ where: { workspaceId: app.workspaceId } });

  await allowance(0.5);
  assert.equal(code(await learn('refused')), 'RATE_LIMITED');
  assert.equal(await stored(), 0, 'nothing stored');

  await allowance(10);
  assert.equal((await ok(learn('first'))).learnAttribute.source, 'EXAMPLES');
  // Fill the workspace to its cap with copies of that direction.
  await app.ctx.prisma.$executeRawUnsafe(
    `INSERT INTO "AttributeDirection" (id, "modelId", "workspaceId", name, component, part, vector, method, accuracy, samples, spread, source, "createdAt")
     SELECT gen_random_uuid(), a."modelId", a."workspaceId", 'copy ' || g, a.component, a.part, a.vector, a.method, a.accuracy,
            a.samples, a.spread, a.source, a."createdAt"
     FROM "AttributeDirection" a, generate_series(1, $2::int) g WHERE a."workspaceId" = $1::uuid AND a.name = 'first'`,
    app.workspaceId,
    MAX_WORKSPACE_DIRECTIONS - 1,
  );
  assert.equal(await stored(), MAX_WORKSPACE_DIRECTIONS);
  const spentBefore = await available();
  const full = await learn('one too many');
  assert.equal(code(full), 'TOO_MANY_ATTRIBUTES');
  assert.equal(full.errors![0].extensions.limit, MAX_WORKSPACE_DIRECTIONS);
  assert.equal(await stored(), MAX_WORKSPACE_DIRECTIONS);
  assert.ok((await available()) > spentBefore - 0.5, 'a refused learn spends no allowance');
  await ok(learn('first')); // a rewrite takes no new place
  assert.equal(await stored(), MAX_WORKSPACE_DIRECTIONS);
});
