// importImage: a designer's PNG or JPEG as a new face. The image is checked, cropped and resized
// first, in a worker thread (app.images: bad input is refused before anything is written); then one transaction stores the aligned
// image, a face in status INVERTING whose root edit (INVERT) holds w_avg as a placeholder, and the
// INVERT_IMAGE job. The worker inverts the image with the model's encoder, writes the found W+
// into the root edit, marks the face READY and renders it (src/jobs/invert-image.ts).
import crypto from 'node:crypto';
import type { AppContext } from '../context.ts';
import { NOW_UTC } from '../db/clock.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { uuidv7 } from '../db/ids.ts';
import { hasEncoder, MAX_ENCODER_ITERATIONS, readEncoderInfo } from '../inference/encoder.ts';
import type { DecodedPicture } from '../inference/image-decoder.ts';
import { ImageInputError, MAX_IMAGE_BYTES, type Crop } from '../inference/image-input.ts';
import { createRootEdit, type EditResult } from './edit-template.ts';
import { appError, badInput, ErrorCode } from './errors.ts';
import { findProject, modelRuntime } from './queries.ts';
import { takeJobAllowance } from './sql/job-allowance.ts';
import type { Principal } from './tokens.ts';
import { requireId, requireName } from './validate.ts';

export interface ImportImageInput {
  projectId: string;
  name: string;
  imageBase64: string;
  /** The square to take from the image, in its pixels; default the centre square. */
  crop?: Crop | null;
  /** Encoder iterations; default the encoder's own (encoder.json defaultIterations). */
  iterations?: number | null;
}

/** base64 characters of the largest image accepted. */
const MAX_IMAGE_BASE64 = Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 4;

export async function importImage(app: AppContext, principal: Principal, input: ImportImageInput): Promise<EditResult> {
  const projectId = requireId('project', input.projectId);
  const name = requireName(input.name);
  const bytes = imageBytes(input.imageBase64);
  const project = await findProject(app, principal, projectId);
  const runtime = modelRuntime(app, project.modelId);
  if (!hasEncoder(runtime.dir)) {
    throw appError(
      ErrorCode.MODEL_CANNOT_INVERT,
      `model ${project.modelId} (${runtime.info.name}) has no image encoder; make one with \`npx ssg train-encoder\``,
      { modelId: project.modelId },
    );
  }
  const encoder = readEncoderInfo(runtime.dir);
  const iterations = input.iterations ?? encoder.defaultIterations;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ENCODER_ITERATIONS) {
    throw badInput(`iterations must be a whole number from 1 to ${MAX_ENCODER_ITERATIONS}`, 'iterations');
  }
  // Decoding and resizing are the expensive part: the token's allowance pays for them first.
  await takeJobAllowance(app.prisma, principal.tokenId, app.config.limits);
  let decoded: DecodedPicture;
  try {
    // In a worker thread: a large or hostile picture must not stall the event loop.
    decoded = await app.images.decode(bytes, runtime.info.resolution, input.crop);
  } catch (err) {
    throw imageError(err);
  }
  const sourceImageId = uuidv7();
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const { nLatent, dim } = runtime.info.layout;
  const placeholder = new Float32Array(nLatent * dim);
  for (let r = 0; r < nLatent; r++) placeholder.set(runtime.wAvg, r * dim);
  const params = {
    sourceImageId,
    format: decoded.format,
    width: decoded.width,
    height: decoded.height,
    crop: { ...decoded.crop },
    iterations,
  };
  return createRootEdit(
    app,
    principal,
    { projectId: project.id, modelId: project.modelId, name, operation: 'INVERT', params },
    placeholder,
    {
      status: 'INVERTING',
      allowanceTaken: true,
      job: { kind: 'INVERT_IMAGE', options: { sourceImageId, iterations } },
      before: async (tx) => {
        await tx.$executeRaw`
          INSERT INTO "SourceImage" (id, "workspaceId", format, width, height, bytes, sha256, crop, "alignedPng", "createdAt")
          VALUES (${sourceImageId}::uuid, ${principal.workspaceId}::uuid, ${decoded.format}, ${decoded.width},
                  ${decoded.height}, ${bytes.length}, ${sha256}, ${JSON.stringify(decoded.crop)}::jsonb, ${decoded.png},
                  ${Prisma.raw(NOW_UTC)})`;
      },
    },
  );
}

function imageBytes(raw: unknown): Buffer {
  const b64 = typeof raw === 'string' ? raw.trim().replace(/^data:image\/[a-z+.-]+;base64,/i, '') : '';
  if (b64.length > MAX_IMAGE_BASE64) {
    throw appError(ErrorCode.UPLOAD_TOO_LARGE, `imageBase64 is over the ${MAX_IMAGE_BYTES}-byte image limit`, {
      limit: MAX_IMAGE_BYTES,
    });
  }
  if (!b64 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) {
    throw badInput('imageBase64 must be a base64-encoded PNG or JPEG file', 'imageBase64');
  }
  return Buffer.from(b64, 'base64');
}

function imageError(err: unknown): Error {
  if (!(err instanceof ImageInputError)) return err as Error;
  switch (err.kind) {
    case 'TOO_LARGE':
      return appError(ErrorCode.UPLOAD_TOO_LARGE, err.message, { field: 'imageBase64' });
    case 'UNSUPPORTED_FORMAT':
      return appError(ErrorCode.UNSUPPORTED_IMAGE_FORMAT, err.message, { field: 'imageBase64' });
    case 'BAD_CROP':
      return badInput(err.message, 'crop');
    case 'TIMEOUT':
      return appError(ErrorCode.IMAGE_DECODE_TIMEOUT, err.message, { field: 'imageBase64' });
    case 'BUSY':
      return appError(ErrorCode.IMAGE_DECODER_BUSY, err.message, { retryAfter: 5 });
    default:
      return appError(ErrorCode.INVALID_IMAGE, err.message, { field: 'imageBase64' });
  }
}
