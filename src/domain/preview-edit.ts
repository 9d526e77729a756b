// Dry runs (previewEdit): the latent an edit would make, rendered, with nothing written.
//
// Where it runs: in this process, on the model runtime the API already holds (every edit needs it
// loaded: MODEL_UNAVAILABLE otherwise), not through the job queue. A slider sends a dry run per
// move; the queue would add a job row, a NOTIFY, a claim and a stored render to each, and those
// are history and storage a preview must not leave. At PREVIEW quality a render costs a few ms
// (bench:inference), so it is answered inline as a data: URL. The runtime batches concurrent
// previews like renders; an API-only process creates the preview session on the first dry run.
// onnxruntime runs on its own threads; what stays on the event loop is the image's PNG alone
// (renderImage), and a token has at most a few previews running at once (in-flight.ts).
import type { AppContext } from '../context.ts';
import { attributeSpec, type EditAttributeInput } from './attributes.ts';
import type { EditOperation } from '../generated/prisma/enums.ts';
import { describeEdit, namedFaceId } from './edit-description.ts';
import { dryRunEdit } from './edit-template.ts';
import {
  interpolateSpec,
  resampleSpec,
  swapSpec,
  truncationSpec,
  type EditSpec,
  type InterpolateComponentsInput,
  type ResampleComponentsInput,
  type SetTruncationInput,
  type SwapComponentsInput,
} from './edits.ts';
import { badInput } from './errors.ts';
import { withinTokenLimit } from './in-flight.ts';
import { findFaces } from './queries.ts';
import { RenderQuality, requireQuality } from './render-quality.ts';
import { PREVIEW_JOB_COST, takeJobAllowance } from './sql/job-allowance.ts';
import type { Principal } from './tokens.ts';

export interface PreviewEditInput {
  swap?: SwapComponentsInput | null;
  resample?: ResampleComponentsInput | null;
  interpolate?: InterpolateComponentsInput | null;
  truncation?: SetTruncationInput | null;
  attribute?: EditAttributeInput | null;
  quality?: RenderQuality | null;
}

export interface EditPreview {
  imageUrl: string;
  width: number;
  height: number;
  quality: RenderQuality;
  operation: EditOperation;
  params: unknown;
  description: string;
}

const OPERATIONS = {
  swap: swapSpec,
  resample: resampleSpec,
  interpolate: interpolateSpec,
  truncation: truncationSpec,
  // Reads the model's directions, so it is given the caller (the others ignore the extra arguments).
  attribute: (input: EditAttributeInput, app: AppContext, principal: Principal) => attributeSpec(app, principal, input),
} as const satisfies Record<string, (input: never, app: AppContext, principal: Principal) => EditSpec>;

type OperationField = keyof typeof OPERATIONS;

/** The one operation field that is set, as its spec (the same as the real edit's). */
function operationSpec(app: AppContext, principal: Principal, input: PreviewEditInput): EditSpec {
  const set = (Object.keys(OPERATIONS) as OperationField[]).filter((k) => input[k] !== null && input[k] !== undefined);
  if (set.length !== 1) {
    throw badInput(
      `set exactly one of ${Object.keys(OPERATIONS).join(', ')} (got ${set.length ? set.join(', ') : 'none'})`,
      set[1] ?? 'swap',
    );
  }
  const field = set[0]!;
  return (OPERATIONS[field] as (i: unknown, a: AppContext, p: Principal) => EditSpec)(input[field], app, principal);
}

/** A dry run, rendered; a token has at most IN_FLIGHT_LIMITS.previewEdit of them running here. */
export function previewEdit(app: AppContext, principal: Principal, input: PreviewEditInput): Promise<EditPreview> {
  return withinTokenLimit(principal, 'previewEdit', () => preview(app, principal, input));
}

async function preview(app: AppContext, principal: Principal, input: PreviewEditInput): Promise<EditPreview> {
  const quality = requireQuality(input.quality, RenderQuality.PREVIEW);
  const s = operationSpec(app, principal, input);
  // The render runs here, in the API process: the token's allowance pays for it first.
  const cost = quality === RenderQuality.PREVIEW ? PREVIEW_JOB_COST : 1;
  await takeJobAllowance(app.prisma, principal.tokenId, app.config.limits, cost);
  const dry = await dryRunEdit(app, principal, s.operation, s.target, s.op);
  const otherId = namedFaceId(dry.params);
  const [render, otherName] = await Promise.all([
    dry.runtime.renderImage({ latent: dry.latent, quality }),
    otherId ? findFaces(app, principal, [otherId]).then((f) => f[0]!.face.name) : undefined,
  ]);
  return {
    imageUrl: `data:image/png;base64,${render.imagePng.toString('base64')}`,
    width: render.width,
    height: render.height,
    quality,
    operation: dry.operation,
    params: dry.params,
    description: describeEdit(dry.operation, dry.params, otherName),
  };
}
