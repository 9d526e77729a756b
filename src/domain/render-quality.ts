// The render qualities (the runtime's RenderQuality), as the one value the API registers as its enum.
import type { RenderQuality as RuntimeQuality } from '../inference/types.ts';
import { badInput } from './errors.ts';

/** PREVIEW is the render net stopped at a lower level: an approximation, not a downsized FULL render. */
export const RenderQuality = { PREVIEW: 'PREVIEW', FULL: 'FULL' } as const satisfies { [Q in RuntimeQuality]: Q };
export type RenderQuality = (typeof RenderQuality)[keyof typeof RenderQuality];

/** The quality of an input (null/undefined: `fallback`); anything else is a BAD_USER_INPUT. */
export function requireQuality(q: unknown, fallback: RenderQuality, field = 'quality'): RenderQuality {
  if (q === null || q === undefined) return fallback;
  if (q === RenderQuality.PREVIEW || q === RenderQuality.FULL) return q;
  throw badInput(`${field} must be PREVIEW or FULL (got ${JSON.stringify(q)})`, field);
}
