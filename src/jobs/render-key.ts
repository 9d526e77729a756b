// Content addressing of renders: one Render row per (model, latent bytes, canonical options).
import { createHash } from 'node:crypto';

/** Bumped if the meaning of a render changes (e.g. a new PNG encoding), so old rows are not reused. */
export const RENDER_KEY_VERSION = 'ssg-render/v1';

/** JSON with object keys sorted at every level, so equal options hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError('render options must be finite numbers');
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface RenderOptions {
  /** Composition render: indices of the components kept; the others are dropped by the mask. */
  components?: number[];
  /** 'PREVIEW' (other pixels, another side: part of the key); FULL is implicit (absent). */
  quality?: 'PREVIEW';
}

/**
 * The options as they are hashed and stored on the Render: only what changes the pixels, i.e.
 * `components` sorted and de-duplicated, and `quality` when PREVIEW. Informational keys (e.g. `componentNames`) are left out, so
 * ["hair", "face"] and ["face", "hair"] share one render. Throws on a malformed value (the job then
 * fails permanently).
 */
export function normalizeRenderOptions(options: unknown): RenderOptions {
  if (options === null || options === undefined) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new Error('render options must be a JSON object');
  const { components: c, quality: q } = options as { components?: unknown; quality?: unknown };
  if (q !== undefined && q !== null && q !== 'PREVIEW' && q !== 'FULL') {
    throw new Error('render option "quality" must be PREVIEW or FULL');
  }
  const quality: RenderOptions = q === 'PREVIEW' ? { quality: 'PREVIEW' } : {};
  if (c === undefined || c === null) return quality;
  if (!Array.isArray(c) || !c.every((i) => Number.isInteger(i) && (i as number) >= 0)) {
    throw new Error('render option "components" must be a list of component indices');
  }
  return { components: [...new Set(c as number[])].sort((a, b) => a - b), ...quality };
}

/** sha256 over the key version, model id, latent bytes and canonical options (hex). */
export function renderCacheKey(modelId: string, latent: Uint8Array, options: unknown): string {
  const h = createHash('sha256');
  h.update(`${RENDER_KEY_VERSION}\0${modelId}\0${latent.byteLength}\0`);
  h.update(latent);
  h.update('\0');
  h.update(canonicalJson(normalizeRenderOptions(options)));
  return h.digest('hex');
}

/**
 * SQL for `renderCacheKey(modelId, latent, {})` (no components: every RENDER_EDIT job), over the
 * SQL expressions `modelId` (text) and `latent` (bytea), so the worker's claim can look the render
 * up in the same statement. Only a hint: the worker uses it when it equals the key it computes
 * itself, and otherwise looks the render up separately.
 */
export function plainRenderCacheKeySql(modelId: string, latent: string): string {
  const nul = `'\\x00'::bytea`;
  return `encode(sha256(convert_to('${RENDER_KEY_VERSION}', 'UTF8') || ${nul} || convert_to(${modelId}, 'UTF8') || ${nul}
    || convert_to(length(${latent})::text, 'UTF8') || ${nul} || ${latent} || ${nul} || convert_to('{}', 'UTF8')), 'hex')`;
}
