// The two templates every write to the edit tree goes through. Each runs in ONE transaction that
// locks the face row, so edits on one face are serialised: seq = editCount + 1 is unique, the
// parent is the head seen under the lock, and the edit, its InferenceJob row, its queue entry and
// its notifications commit together. An edit costs: BEGIN, the face lock, one read of the head
// latent(s), one write, COMMIT.
//
//   editFace      a latent operation: validated inputs -> latent function over the heads -> new edit
//   moveFaceHead  undo / redo / revertTo: a target edit chosen under the lock -> head moved
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { EditOperation, FaceStatus } from '../generated/prisma/enums.ts';
import { LatentError, checkLatent as checkModelLatent } from '../inference/latent.ts';
import type { LatentLayout, ModelInfo } from '../inference/types.ts';
import { COARSE, requirePart, resolveComponents, type ComponentPart, type ComponentSelection } from './components.ts';
import { badInput, conflict } from './errors.ts';
import { findFaces, modelRuntime, type Runtime } from './queries.ts';
import type { FaceRecord } from './records.ts';
import {
  appendEdit,
  headLatents,
  insertFace,
  lockFace,
  moveHead,
  type EditResult,
  type HeadLatent,
  type LockedFace,
  type NewEdit,
} from './sql/edit-writes.ts';
import { takeJobAllowance } from './sql/job-allowance.ts';
import type { Principal } from './tokens.ts';
import { requireId } from './validate.ts';

export type { EditResult };

const TX_OPTIONS = { maxWait: 15_000, timeout: 30_000 } as const;

function inTx<T>(app: AppContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return app.prisma.$transaction(fn, TX_OPTIONS);
}

/** The runtime's latent check (shape, finiteness), answered as the API's BAD_USER_INPUT. */
export function checkLatent(latent: Float32Array, info: ModelInfo, what = 'latent'): void {
  try {
    checkModelLatent(info.layout, latent, what);
  } catch (err) {
    if (err instanceof LatentError) throw badInput(`${err.message} for model "${info.name}"`, 'latentBase64');
    throw err;
  }
}

function parseExpectedHead(id: string | null | undefined): string | undefined {
  if (id === null || id === undefined) return undefined;
  // A malformed expectedHeadId can never match: report it as a conflict-free input error.
  if (!/^[0-9a-f-]{36}$/i.test(id))
    throw badInput(`expectedHeadId ${JSON.stringify(id)} is not an edit id`, 'expectedHeadId');
  return id.toLowerCase();
}

function checkExpectedHead(headEditId: string | null, expected: string | undefined): void {
  if (expected === undefined || headEditId === expected) return;
  throw conflict(
    `the face's head is ${headEditId}, not the expected ${expected}: another edit landed first; reload the face and retry`,
    { headEditId, expectedHeadId: expected },
  );
}

/** What a latent function sees: the model, the face's head and (when named) the other face's head. */
export interface LatentInput {
  layout: LatentLayout;
  runtime: Runtime;
  head: Float32Array;
  other: HeadLatent | undefined;
  /** The resolved `select` (components and part), when the operation has one. */
  selection: (ComponentSelection & { names: string[] }) | undefined;
}

/** The face an operation edits, as the input names it. */
export interface EditTarget {
  faceId: string;
  /** Fail with CONFLICT unless the face's head is this edit. */
  expectedHeadId?: string | null;
}

export interface LatentEdit<P> {
  /** Another face whose head the operation reads (same model required); `field` names it in errors. */
  other?: { faceId: string; field: string; sameFaceMessage?: string; otherModelMessage: string };
  /** Components the operation touches (names of the model, plus "coarse"), and which codes. */
  select?: { components: string[]; part: ComponentPart | string };
  /** Work before the transaction (e.g. sampling fresh codes), given the face's model. */
  prepare?: (runtime: Runtime) => Promise<P> | P;
  /** The latent function: the new latent and the params recorded on the edit. */
  apply: (input: LatentInput, prepared: P) => { latent: Float32Array; params: Prisma.InputJsonValue };
}

/** What an operation's checks settle before any head is read (editFace and dryRunEdit alike). */
interface PlannedEdit<P> {
  faceId: string;
  otherId: string | undefined;
  expected: string | undefined;
  modelId: string;
  runtime: Runtime;
  selection: LatentInput['selection'];
  prepared: P;
}

/** Ids and access, the same-model check for a second face, component resolution, `prepare`. */
async function planEdit<P>(
  app: AppContext,
  principal: Principal,
  target: EditTarget,
  op: LatentEdit<P>,
): Promise<PlannedEdit<P>> {
  const faceId = requireId('face', target.faceId);
  const otherId = op.other ? requireId('face', op.other.faceId) : undefined;
  const expected = parseExpectedHead(target.expectedHeadId);
  const found = await findFaces(app, principal, otherId ? [faceId, otherId] : [faceId]);
  const { project } = found[0]!;
  if (op.other && otherId) {
    if (otherId === faceId && op.other.sameFaceMessage) throw badInput(op.other.sameFaceMessage, op.other.field);
    if (found[1]!.project.modelId !== project.modelId) throw badInput(op.other.otherModelMessage, op.other.field);
  }
  const runtime = modelRuntime(app, project.modelId);
  const selection = op.select ? select(runtime.info, op.select.components, op.select.part) : undefined;
  const prepared = (await op.prepare?.(runtime)) as P;
  return { faceId, otherId, expected, modelId: project.modelId, runtime, selection, prepared };
}

/**
 * Reads the head latent(s), checks the expected head (`lockedHead`: the head seen under the lock;
 * undefined: the head read here), applies the latent function and checks its result.
 */
async function computeEdit<P>(db: Tx, plan: PlannedEdit<P>, op: LatentEdit<P>, lockedHead?: string | null) {
  if (lockedHead !== undefined) checkExpectedHead(lockedHead, plan.expected);
  const [mine, other] = await headLatents(db, plan.otherId ? [plan.faceId, plan.otherId] : [plan.faceId]);
  if (lockedHead === undefined) checkExpectedHead(mine!.editId, plan.expected);
  const { runtime, selection } = plan;
  const input = { layout: runtime.info.layout, runtime, head: mine!.latent, other, selection };
  const { latent, params } = op.apply(input, plan.prepared);
  checkLatent(latent, runtime.info);
  return { latent, params, headEditId: mine!.editId };
}

/**
 * A latent operation on a face's head: checks ids and access, resolves the components, then under
 * the face lock reads the head latent(s), applies `apply` and appends the result as the new head.
 */
export async function editFace<P = undefined>(
  app: AppContext,
  principal: Principal,
  operation: EditOperation,
  target: EditTarget,
  op: LatentEdit<P>,
): Promise<EditResult> {
  const plan = await planEdit(app, principal, target, op);
  return inTx(app, async (tx) => {
    const locked = await lockFace(tx, plan.faceId);
    const { latent, params } = await computeEdit(tx, plan, op, locked.headEditId);
    const edit = { authorTokenId: principal.tokenId, modelId: plan.modelId, operation, params, latent };
    await takeJobAllowance(tx, principal.tokenId, app.config.limits);
    return appendEdit(tx, locked, edit);
  });
}

/** What editFace would append, computed the same way; nothing is written. */
export interface DryRunResult {
  operation: EditOperation;
  latent: Float32Array;
  params: Prisma.InputJsonValue;
  runtime: Runtime;
  /** The head the latent was computed from. */
  headEditId: string;
}

/**
 * editFace without the append: the same checks (errors and codes included) and the same latent
 * function over the current head(s), read without the face lock, for previews (previewEdit).
 */
export async function dryRunEdit<P = undefined>(
  app: AppContext,
  principal: Principal,
  operation: EditOperation,
  target: EditTarget,
  op: LatentEdit<P>,
): Promise<DryRunResult> {
  const plan = await planEdit(app, principal, target, op);
  // No lock: the head is checked against the id read together with its latent (one statement).
  const { latent, params, headEditId } = await computeEdit(app.prisma, plan, op);
  return { operation, latent, params, runtime: plan.runtime, headEditId };
}

function select(info: ModelInfo, names: string[], part: string): ComponentSelection & { names: string[] } {
  const p = requirePart(part);
  const r = resolveComponents(info, names, { allowCoarse: true });
  // The coarse (base) codes are one block with no shape/texture split: a SHAPE or TEXTURE edit
  // would change all of them or none, so it is refused rather than half-applied.
  if (r.coarse && p !== 'BOTH') {
    throw badInput(
      `"${COARSE}" has no shape and texture codes of its own; use part BOTH with "${COARSE}", or leave "${COARSE}" out of a ${p} edit`,
      'part',
    );
  }
  return { components: r.components, coarse: r.coarse, part: p, names: r.names };
}

/** How a root edit differs from a plain one (importImage: a pending face and its inversion job). */
export interface RootEditOptions {
  status?: FaceStatus;
  job?: NewEdit['job'];
  /** Writes in the same transaction, before the face (e.g. the source image it refers to). */
  before?: (tx: Tx) => Promise<void>;
  /** The caller took the job allowance already, before its expensive checks (importImage). */
  allowanceTaken?: boolean;
}

/** A new face whose root edit holds `latent` (already checked by the caller). */
export function createRootEdit(
  app: AppContext,
  principal: Principal,
  root: { projectId: string; modelId: string; name: string; operation: EditOperation; params: Prisma.InputJsonValue },
  latent: Float32Array,
  options: RootEditOptions = {},
): Promise<EditResult> {
  return inTx(app, async (tx) => {
    await options.before?.(tx);
    const locked = await insertFace(tx, root.projectId, root.name, options.status);
    if (!options.allowanceTaken) await takeJobAllowance(tx, principal.tokenId, app.config.limits);
    return appendEdit(tx, locked, { authorTokenId: principal.tokenId, ...root, latent, job: options.job });
  });
}

/**
 * A head move (no new latent): under the face lock, `target` picks the edit the head moves to
 * (it throws when there is none), then the head moves and FACE_UPDATED HEAD_MOVED is announced.
 * The caller has checked the face's access.
 */
export function moveFaceHead(
  app: AppContext,
  faceId: string,
  expectedHeadId: string | null | undefined,
  target: (tx: Tx, locked: LockedFace) => Promise<string>,
): Promise<FaceRecord> {
  const expected = parseExpectedHead(expectedHeadId);
  return inTx(app, async (tx) => {
    const locked = await lockFace(tx, faceId);
    checkExpectedHead(locked.headEditId, expected);
    return moveHead(tx, faceId, await target(tx, locked));
  });
}
