// Signed render URLs: usable where no Authorization header can be sent (<img src>, Figma's image
// fetch). The query string carries the workspace, the token, an expiry and an HMAC-SHA256 of
// (path, workspace, token, expiry) under the server's secret (SSG_URL_SECRET), so a URL opens one
// render file of one workspace until it expires. The bearer header keeps working on the same URLs.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal } from './tokens.ts';

export interface SigningConfig {
  urlSecret: string;
  signedUrlTtlS: number;
}

/** Why a signed URL was refused (the `code` of its 403 answer). */
export const SignedUrlError = {
  EXPIRED: 'URL_EXPIRED',
  BAD_SIGNATURE: 'URL_SIGNATURE_INVALID',
} as const;

function mac(secret: string, path: string, ws: string, tok: string, exp: string): string {
  return createHmac('sha256', secret).update(`${path}\n${ws}\n${tok}\n${exp}`).digest('base64url');
}

/**
 * `url` (absolute, no query) signed for `principal`. The expiry is rounded up to a fifth of the
 * lifetime, so the same render gets the same URL for a while and browsers can cache it.
 */
export function signUrl(config: SigningConfig, url: string, principal: Principal, nowMs = Date.now()): string {
  const step = Math.max(1, Math.floor(config.signedUrlTtlS / 5));
  const exp = String(Math.ceil((nowMs / 1000 + config.signedUrlTtlS) / step) * step);
  const path = new URL(url).pathname;
  const sig = mac(config.urlSecret, path, principal.workspaceId, principal.tokenId, exp);
  const q = new URLSearchParams({ ws: principal.workspaceId, tok: principal.tokenId, exp, sig });
  return `${url}?${q.toString()}`;
}

/** True when the request carries a signature (then it is checked instead of a bearer token). */
export function isSigned(url: URL): boolean {
  return url.searchParams.has('sig');
}

/** The principal of a signed URL, or the reason it is refused. */
export function verifySignedUrl(
  config: SigningConfig,
  url: URL,
  nowMs = Date.now(),
): { principal: Principal } | { refused: (typeof SignedUrlError)[keyof typeof SignedUrlError]; message: string } {
  const p = url.searchParams;
  const [ws, tok, exp, sig] = [p.get('ws') ?? '', p.get('tok') ?? '', p.get('exp') ?? '', p.get('sig') ?? ''];
  const expected = Buffer.from(mac(config.urlSecret, url.pathname, ws, tok, exp));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return {
      refused: SignedUrlError.BAD_SIGNATURE,
      message:
        'the URL signature does not match (altered, or signed by a server with another SSG_URL_SECRET); ask the API for a fresh URL',
    };
  }
  if (!/^\d+$/.test(exp) || Number(exp) * 1000 <= nowMs) {
    return {
      refused: SignedUrlError.EXPIRED,
      message: 'the signed URL has expired; query the render again for a fresh URL',
    };
  }
  return { principal: { workspaceId: ws, tokenId: tok } };
}
