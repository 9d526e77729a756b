// Attributes: the directions of a model a workspace sees, editAttribute (an edit through the edit
// template), and learning a direction from faces a designer marked as having a quality or not.
//
// learnAttribute answers in the request: it renders nothing, it fits a linear SVM on the marked
// faces' head latents (at most 2 x MAX_EXAMPLES rows of one or two W rows each), up to a second of
// arithmetic that runs on the process's fit thread (src/directions/fit-thread.ts), never on the
// event loop; a queue job would only add a round trip and a state to watch. One at a time per token.
import type { AppContext } from '../context.ts';
import { type Direction, DirectionError, applyDirection, directionRows, spreadAlong } from '../directions/direction.ts';
import { ComponentPart, requirePart, resolveComponents } from './components.ts';
import { editFace, type EditResult, type EditTarget, type LatentEdit } from './edit-template.ts';
import type { EditSpec } from './edits.ts';
import { badInput } from './errors.ts';
import { withinTokenLimit } from './in-flight.ts';
import { findFaces, findProject, modelRuntime } from './queries.ts';
import { headRows } from './sql/edit-writes.ts';
import {
  type AttributeRow,
  checkDirectionRoom,
  saveWorkspaceDirection,
  visibleDirections,
} from './sql/attribute-directions.ts';
import { takeJobAllowance } from './sql/job-allowance.ts';
import type { Principal } from './tokens.ts';
import { requireId, requireName } from './validate.ts';

/** |amount| limit, in spreads of the direction (amount is in W units; a spread is a typical face's range). */
export const MAX_AMOUNT_SPREADS = 10;
/** Most faces per side of learnAttribute. */
export const MAX_EXAMPLES = 500;

export type { AttributeRow };

export function listAttributes(app: AppContext, principal: Principal, modelId: string): Promise<AttributeRow[]> {
  return visibleDirections(app.prisma, modelId, principal.workspaceId);
}

async function findAttribute(app: AppContext, principal: Principal, modelId: string, name: string) {
  const all = await listAttributes(app, principal, modelId);
  const key = String(name ?? '').trim();
  // A workspace's own direction of a name comes before the model's.
  const found = all
    .filter((a) => a.name === key)
    .sort((a, b) => Number(b.workspaceId !== null) - Number(a.workspaceId !== null))[0];
  if (!found) {
    const known = [...new Set(all.map((a) => a.name))];
    throw badInput(
      `unknown attribute ${JSON.stringify(name)} for this face's model; ${known.length ? `valid: ${known.join(', ')}` : 'the model has no attributes (ssg learn-directions makes them)'}`,
      'attribute',
    );
  }
  return found;
}

export interface EditAttributeInput extends EditTarget {
  attribute: string;
  /** Distance along the unit direction, in W units (Attribute.spread is a typical face's range). */
  amount: number;
}

/** editAttribute as an edit spec (the edit and its dry run, previewEdit, share it). */
export function attributeSpec(app: AppContext, principal: Principal, input: EditAttributeInput): EditSpec {
  const amount = input.amount;
  if (typeof amount !== 'number' || !Number.isFinite(amount)) {
    throw badInput(`amount must be a finite number (got ${amount})`, 'amount');
  }
  const op: LatentEdit<AttributeRow> = {
    prepare: async (runtime) => {
      const dir = await findAttribute(app, principal, runtime.info.id, input.attribute);
      const limit = MAX_AMOUNT_SPREADS * dir.spread;
      if (Math.abs(amount) > limit) {
        throw badInput(
          `amount ${amount} is beyond ${MAX_AMOUNT_SPREADS} spreads of "${dir.name}" (|amount| <= ${limit.toPrecision(4)})`,
          'amount',
        );
      }
      return dir;
    },
    apply: ({ runtime, head }, dir) => ({
      latent: applyDirection(runtime.info, head, dir, amount),
      params: {
        attribute: dir.name,
        amount,
        // What a designer moved: the plugin's slider is in spreads, and the history says "+3", not
        // the W distance 2.94897 it became.
        spreads: dir.spread > 0 ? amount / dir.spread : undefined,
        component: dir.component,
        part: dir.part,
        directionId: dir.id,
        source: dir.source,
      },
    }),
  };
  return { operation: 'ATTRIBUTE', target: input, op: op as LatentEdit<unknown> };
}

export function editFaceAttribute(
  app: AppContext,
  principal: Principal,
  input: EditAttributeInput,
): Promise<EditResult> {
  const s = attributeSpec(app, principal, input);
  return editFace(app, principal, s.operation, s.target, s.op);
}

export interface LearnAttributeInput {
  projectId: string;
  name: string;
  component: string;
  part?: string | null;
  positiveFaceIds: string[];
  negativeFaceIds: string[];
}

/** Fits a direction from marked faces of one project (their head latents) and stores it for the workspace. */
export function learnAttribute(
  app: AppContext,
  principal: Principal,
  input: LearnAttributeInput,
): Promise<AttributeRow> {
  return withinTokenLimit(principal, 'learnAttribute', () => learn(app, principal, input));
}

async function learn(app: AppContext, principal: Principal, input: LearnAttributeInput): Promise<AttributeRow> {
  const project = await findProject(app, principal, input.projectId);
  const name = requireName(input.name);
  const part = requirePart(input.part ?? ComponentPart.SHAPE);
  const runtime = modelRuntime(app, project.modelId);
  const info = runtime.info;
  const { names } = resolveComponents(info, [input.component], { allowCoarse: false, field: 'component' });
  if (names.length !== 1) throw badInput('component must name one component', 'component');
  const component = names[0]!;
  const own = (await listAttributes(app, principal, info.id)).find((a) => a.name === name && a.workspaceId === null);
  if (own) throw badInput(`"${name}" is one of the model's own attributes; choose another name`, 'name');
  const lists = { positiveFaceIds: input.positiveFaceIds ?? [], negativeFaceIds: input.negativeFaceIds ?? [] };
  for (const [field, ids] of Object.entries(lists)) {
    if (ids.length < 2) throw badInput(`${field} must list at least 2 faces`, field);
    if (ids.length > MAX_EXAMPLES) throw badInput(`${field} lists more than ${MAX_EXAMPLES} faces`, field);
  }
  const pos = lists.positiveFaceIds.map((id) => requireId('face', id));
  const neg = lists.negativeFaceIds.map((id) => requireId('face', id));
  const all = [...pos, ...neg];
  if (new Set(all).size !== all.length) {
    throw badInput('a face is listed twice (or as both having and not having the quality)', 'negativeFaceIds');
  }
  // Before the reads and the fits: a full workspace is refused, and the token's allowance pays for them.
  await checkDirectionRoom(app.prisma, info.id, principal.workspaceId, name);
  await takeJobAllowance(app.prisma, principal.tokenId, app.config.limits);
  const found = await findFaces(app, principal, all);
  const stranger = found.find((f) => f.project.id !== project.id);
  if (stranger) throw badInput(`face ${stranger.face.id} is not a face of project ${project.id}`, 'positiveFaceIds');
  const rows = directionRows(info, { component, part });
  const D = info.layout.dim;
  // Positives first, as asked; only the direction's rows (the fit sees nothing else).
  const latents = await headRows(app.prisma, all, rows, D);
  const perFace = rows.length * D;
  const fit = await app.fits.fitExamples({
    dim: D,
    rows: rows.map((_, j) => j),
    latents,
    latentLength: perFace,
    positives: pos.length,
  });
  const vector = fit.vector;
  if (!vector.some((v) => v !== 0)) {
    throw badInput(`the marked faces do not differ on the ${part.toLowerCase()} rows of ${component}`, 'component');
  }
  const direction: Direction = {
    name,
    component,
    part,
    vector,
    method: 'linear-svm',
    accuracy: fit.accuracy,
    samples: fit.samples,
    spread: await spreadAlong(runtime, vector, rows.length),
    source: 'examples',
  };
  try {
    return await saveWorkspaceDirection(app.prisma, info.id, principal.workspaceId, direction);
  } catch (err) {
    if (err instanceof DirectionError) throw badInput(err.message, 'component');
    throw err;
  }
}
