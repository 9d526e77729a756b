// Row shapes the API reads. Listings never select the big columns (latents, PNG bytes).
import type { EditOperation, FaceStatus, JobKind, JobStatus } from '../generated/prisma/enums.ts';
import type { Prisma } from '../generated/prisma/client.ts';

export const editSelect = {
  id: true,
  faceId: true,
  seq: true,
  parentId: true,
  operation: true,
  params: true,
  authorTokenId: true,
  createdAt: true,
  renderId: true,
} as const satisfies Prisma.EditSelect;

export interface EditRecord {
  id: string;
  faceId: string;
  seq: number;
  parentId: string | null;
  operation: EditOperation;
  params: Prisma.JsonValue;
  authorTokenId: string | null;
  createdAt: Date;
  renderId: string | null;
}

export interface FaceRecord {
  id: string;
  projectId: string;
  name: string;
  headEditId: string | null;
  editCount: number;
  /** INVERTING until an importImage inversion has written the root latent. */
  status: FaceStatus;
  /** Why the face is FAILED (its import was cancelled, or its inversion job failed); null otherwise. */
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProjectRecord {
  id: string;
  workspaceId: string;
  name: string;
  modelId: string;
  createdAt: Date;
}

export const renderSelect = {
  id: true,
  cacheKey: true,
  modelId: true,
  options: true,
  width: true,
  height: true,
  coarseSize: true,
  createdAt: true,
} as const satisfies Prisma.RenderSelect;

export interface RenderRecord {
  id: string;
  cacheKey: string;
  modelId: string;
  options: Prisma.JsonValue;
  width: number;
  height: number;
  coarseSize: number;
  createdAt: Date;
}

export interface JobRecord {
  id: string;
  kind: JobKind;
  faceId: string;
  editId: string;
  modelId: string;
  options: Prisma.JsonValue;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  error: string | null;
  /** 0..1 while an INVERT_IMAGE job runs. */
  progress: number | null;
  workerId: string | null;
  renderId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

/** float32 little-endian bytes (as stored in Edit.latent) to a Float32Array (copied, aligned). */
export function latentFromBytes(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

export function latentToBytes(latent: Float32Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(latent.byteLength);
  out.set(new Uint8Array(latent.buffer, latent.byteOffset, latent.byteLength));
  return out;
}
