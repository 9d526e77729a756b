// Every operation on the edit tree, each stated as its inputs and its latent function; the
// transaction, face lock, expected-head check, head read and append are edit-template.ts's.
import type { AppContext } from '../context.ts';
import type { EditOperation } from '../generated/prisma/enums.ts';
import {
  DEFAULT_TRUNCATION,
  TRUNCATION_RANGE,
  interpolateComponents,
  resampleComponents,
  swapComponents,
  truncate,
} from '../inference/latent.ts';
import { latentFromNpy } from '../inference/npy.ts';
import { resolveComponents, type ComponentPart } from './components.ts';
import {
  checkLatent,
  createRootEdit,
  editFace,
  moveFaceHead,
  type EditResult,
  type EditTarget,
  type LatentEdit,
} from './edit-template.ts';
import { ErrorCode, appError, badInput, faceNotReady } from './errors.ts';
import { RenderQuality, requireQuality } from './render-quality.ts';
import { findEdit, findFace, findJob, findProject, modelRuntime } from './queries.ts';
import type { FaceRecord, JobRecord } from './records.ts';
import { newestChildOf, parentOf, queueJob } from './sql/edit-writes.ts';
import { takeJobAllowance } from './sql/job-allowance.ts';
import type { Principal } from './tokens.ts';
import { T_RANGE, requireFinite, requireId, requireName, requireSeed } from './validate.ts';

export type { EditResult };

/** latentBase64 limit (characters). A W+ of the largest released model is well under 100 kB. */
export const MAX_LATENT_BASE64 = 512 * 1024;

const randomSeed = () => Math.floor(Math.random() * 2 ** 31);
const seedOrRandom = (seed: number | null | undefined) =>
  seed === null || seed === undefined ? randomSeed() : requireSeed(seed);
const truncationOrDefault = (psi: number | null | undefined) =>
  psi === null || psi === undefined ? DEFAULT_TRUNCATION : requireFinite(psi, 'truncation', ...TRUNCATION_RANGE);

// ---------------------------------------------------------------------------------------------
// Faces (root edits)

export interface CreateFaceInput {
  projectId: string;
  name: string;
  seed?: number | null;
  truncation?: number | null;
}

export async function createFace(app: AppContext, principal: Principal, input: CreateFaceInput): Promise<EditResult> {
  const projectId = requireId('project', input.projectId);
  const name = requireName(input.name);
  const seed = seedOrRandom(input.seed);
  const truncation = truncationOrDefault(input.truncation);
  const project = await findProject(app, principal, projectId);
  const runtime = modelRuntime(app, project.modelId);
  const latent = await runtime.sample(seed, truncation);
  checkLatent(latent, runtime.info, 'sampled latent');
  const root = { projectId: project.id, modelId: project.modelId, name, operation: 'SAMPLE' as const };
  return createRootEdit(app, principal, { ...root, params: { seed, truncation } }, latent);
}

export interface ImportFaceInput {
  projectId: string;
  name: string;
  latentBase64: string;
}

export async function importFace(app: AppContext, principal: Principal, input: ImportFaceInput): Promise<EditResult> {
  const projectId = requireId('project', input.projectId);
  const name = requireName(input.name);
  const b64 = typeof input.latentBase64 === 'string' ? input.latentBase64.trim() : '';
  if (b64.length > MAX_LATENT_BASE64) {
    throw appError(
      ErrorCode.UPLOAD_TOO_LARGE,
      `latentBase64 is ${b64.length} characters; the limit is ${MAX_LATENT_BASE64} (a W+ .npy is far smaller: check the file)`,
      { limit: MAX_LATENT_BASE64 },
    );
  }
  if (!b64 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) {
    throw badInput('latentBase64 must be a base64-encoded .npy file', 'latentBase64');
  }
  const project = await findProject(app, principal, projectId);
  const runtime = modelRuntime(app, project.modelId);
  const bytes = Buffer.from(b64, 'base64');
  let latent: Float32Array;
  try {
    latent = latentFromNpy(bytes, runtime.info.layout);
  } catch (err) {
    throw badInput(`latentBase64 is not a usable latent: ${(err as Error).message}`, 'latentBase64');
  }
  checkLatent(latent, runtime.info);
  const root = { projectId: project.id, modelId: project.modelId, name, operation: 'IMPORT' as const };
  return createRootEdit(app, principal, { ...root, params: { bytes: bytes.length } }, latent);
}

// ---------------------------------------------------------------------------------------------
// Latent edits: each is its inputs and its latent function (see docs/architecture.md)

interface ComponentsInput {
  components: string[];
  part: ComponentPart;
}

export interface SwapComponentsInput extends ComponentsInput {
  targetFaceId: string;
  sourceFaceId: string;
  expectedHeadId?: string | null;
}

/**
 * One operation as editFace's arguments (built once, used by the edit and by its dry run): the
 * same checks, the same latent function, the same params.
 */
export interface EditSpec {
  operation: EditOperation;
  target: EditTarget;
  op: LatentEdit<unknown>;
}

/** Pairs `prepare` with `apply` under one P, then forgets P (they stay paired inside the spec). */
function spec<P>(operation: EditOperation, target: EditTarget, op: LatentEdit<P>): EditSpec {
  return { operation, target, op: op as LatentEdit<unknown> };
}

const runEdit = (app: AppContext, principal: Principal, s: EditSpec) =>
  editFace(app, principal, s.operation, s.target, s.op);

export function swapSpec(input: SwapComponentsInput): EditSpec {
  const target = { faceId: input.targetFaceId, expectedHeadId: input.expectedHeadId };
  return spec('SWAP', target, {
    other: {
      faceId: input.sourceFaceId,
      field: 'sourceFaceId',
      sameFaceMessage: 'sourceFaceId must be another face than targetFaceId',
      otherModelMessage: 'the source face uses another model than the target face; swap needs faces of one model',
    },
    select: input,
    apply: ({ layout, head, other, selection: sel }) => ({
      latent: swapComponents(layout, head, other!.latent, sel!),
      params: {
        sourceFaceId: input.sourceFaceId.toLowerCase(),
        sourceEditId: other!.editId,
        components: sel!.names,
        part: sel!.part,
      },
    }),
  });
}

export const swapFaceComponents = (app: AppContext, principal: Principal, input: SwapComponentsInput) =>
  runEdit(app, principal, swapSpec(input));

export interface ResampleComponentsInput extends ComponentsInput, EditTarget {
  seed?: number | null;
  truncation?: number | null;
}

export function resampleSpec(input: ResampleComponentsInput): EditSpec {
  const seed = seedOrRandom(input.seed);
  const truncation = truncationOrDefault(input.truncation);
  return spec('RESAMPLE', input, {
    select: input,
    // Fresh codes from mapping(z(seed)); the listed components take them (same as a swap from them).
    prepare: (runtime) => runtime.sample(seed, truncation),
    apply: ({ layout, head, selection: sel }, fresh) => ({
      latent: resampleComponents(layout, head, fresh, sel!),
      params: { components: sel!.names, part: sel!.part, seed, truncation },
    }),
  });
}

export const resampleFaceComponents = (app: AppContext, principal: Principal, input: ResampleComponentsInput) =>
  runEdit(app, principal, resampleSpec(input));

export interface InterpolateComponentsInput extends ComponentsInput, EditTarget {
  otherFaceId: string;
  t: number;
}

export function interpolateSpec(input: InterpolateComponentsInput): EditSpec {
  const t = requireFinite(input.t, 't', ...T_RANGE);
  return spec('INTERPOLATE', input, {
    other: {
      faceId: input.otherFaceId,
      field: 'otherFaceId',
      otherModelMessage: 'the other face uses another model; interpolation needs faces of one model',
    },
    select: input,
    apply: ({ layout, head, other, selection: sel }) => ({
      latent: interpolateComponents(layout, head, other!.latent, sel!, t),
      params: {
        otherFaceId: input.otherFaceId.toLowerCase(),
        otherEditId: other!.editId,
        components: sel!.names,
        part: sel!.part,
        t,
      },
    }),
  });
}

export const interpolateFaceComponents = (app: AppContext, principal: Principal, input: InterpolateComponentsInput) =>
  runEdit(app, principal, interpolateSpec(input));

export interface SetTruncationInput extends EditTarget {
  psi: number;
}

export function truncationSpec(input: SetTruncationInput): EditSpec {
  const psi = requireFinite(input.psi, 'psi', ...TRUNCATION_RANGE);
  return spec('TRUNCATE', input, {
    apply: ({ runtime, head }) => ({ latent: truncate(head, runtime.wAvg, psi), params: { psi } }),
  });
}

export const setFaceTruncation = (app: AppContext, principal: Principal, input: SetTruncationInput) =>
  runEdit(app, principal, truncationSpec(input));

// ---------------------------------------------------------------------------------------------
// Head moves (no new latent)

export async function undo(app: AppContext, principal: Principal, faceIdRaw: string, expectedHeadId?: string | null) {
  const { face } = await findFace(app, principal, requireId('face', faceIdRaw));
  return moveFaceHead(app, face.id, expectedHeadId, async (tx, locked) => {
    const parent = await parentOf(tx, locked.headEditId!);
    if (!parent) {
      throw appError(ErrorCode.NOTHING_TO_UNDO, 'nothing to undo: the face is at the root of its history', {
        faceId: face.id,
      });
    }
    return parent;
  });
}

export async function redo(app: AppContext, principal: Principal, faceIdRaw: string, expectedHeadId?: string | null) {
  const { face } = await findFace(app, principal, requireId('face', faceIdRaw));
  return moveFaceHead(app, face.id, expectedHeadId, async (tx, locked) => {
    const child = await newestChildOf(tx, locked.headEditId!);
    if (!child)
      throw appError(ErrorCode.NOTHING_TO_REDO, 'nothing to redo: the head edit has no child', { faceId: face.id });
    return child;
  });
}

export async function revertTo(
  app: AppContext,
  principal: Principal,
  editIdRaw: string,
  faceIdRaw?: string | null,
  expectedHeadId?: string | null,
): Promise<FaceRecord> {
  const edit = await findEdit(app, principal, requireId('edit', editIdRaw));
  if (faceIdRaw !== null && faceIdRaw !== undefined) {
    const { face } = await findFace(app, principal, requireId('face', faceIdRaw));
    if (edit.faceId !== face.id) {
      throw badInput(
        `edit ${edit.id} belongs to another face than ${face.id}; revertTo moves a face's head within its own history`,
        'editId',
      );
    }
  }
  return moveFaceHead(app, edit.faceId, expectedHeadId, async () => edit.id);
}

// ---------------------------------------------------------------------------------------------
// Renders and jobs

export interface RenderFaceInput {
  faceId: string;
  editId?: string | null;
  components: string[];
  /** Default FULL. A PREVIEW render is cached apart (its quality is in the render key). */
  quality?: RenderQuality | null;
}

export async function renderFace(app: AppContext, principal: Principal, input: RenderFaceInput): Promise<JobRecord> {
  const faceId = requireId('face', input.faceId);
  const editId = input.editId === null || input.editId === undefined ? undefined : requireId('edit', input.editId);
  const quality = requireQuality(input.quality, RenderQuality.FULL);
  const { face, project } = await findFace(app, principal, faceId);
  if (face.status !== 'READY') throw faceNotReady(face.id, face.status, face.failureReason);
  const runtime = modelRuntime(app, project.modelId);
  const { components, names } = resolveComponents(runtime.info, input.components, { allowCoarse: false });
  let targetEditId = face.headEditId!;
  if (editId) {
    const edit = await findEdit(app, principal, editId);
    if (edit.faceId !== face.id) throw badInput(`edit ${editId} is not an edit of face ${face.id}`, 'editId');
    targetEditId = edit.id;
  }
  // The job (row, queue entry, event: one statement) and the token's allowance commit together.
  return app.prisma.$transaction(async (tx) => {
    await takeJobAllowance(tx, principal.tokenId, app.config.limits);
    return queueJob(tx, {
      kind: 'RENDER_COMPOSITION',
      faceId: face.id,
      editId: targetEditId,
      modelId: project.modelId,
      // FULL stays implicit, so FULL options (and their render keys) are what they were before qualities.
      options: { components, componentNames: names, ...(quality === RenderQuality.PREVIEW ? { quality } : {}) },
    });
  });
}

/**
 * Cancels a QUEUED job, or an image import while it runs (its face becomes FAILED); a render that
 * already started, or a job that ended, is returned unchanged.
 */
export async function cancelJob(app: AppContext, principal: Principal, jobIdRaw: string): Promise<JobRecord> {
  const jobId = requireId('job', jobIdRaw);
  const job = await findJob(app, principal, jobId);
  // The queue announces the change (JOB_UPDATED) itself; the statement decides what may be cancelled.
  if (job.status === 'QUEUED' || job.status === 'RUNNING') await app.jobs.cancel(job.id);
  return findJob(app, principal, jobId);
}
