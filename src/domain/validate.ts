// Input checks shared by every operation. All of them run before anything is written.
import { badInput, notFound } from './errors.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID_RE.test(id);
}

/** Ids are UUIDs; anything else cannot exist, so it is answered as not found (without a query). */
export function requireId(what: string, id: string): string {
  if (!isUuid(id)) throw notFound(what, id);
  return id.toLowerCase();
}

export const MAX_NAME_LENGTH = 200;

export function requireName(name: string, field = 'name'): string {
  const trimmed = (name ?? '').trim();
  if (!trimmed) throw badInput(`${field} must not be empty`, field);
  if (trimmed.length > MAX_NAME_LENGTH) throw badInput(`${field} is longer than ${MAX_NAME_LENGTH} characters`, field);
  // PostgreSQL cannot store NUL in text, and no name needs a control character.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw badInput(`${field} must not contain control characters`, field);
  return trimmed;
}

export function requireFinite(value: number, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw badInput(`${field} must be a number in [${min}, ${max}] (got ${value})`, field);
  }
  return value;
}

export const MAX_SEED = 2 ** 31 - 1;

export function requireSeed(seed: number, field = 'seed'): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw badInput(`${field} must be a whole number in [0, ${MAX_SEED}] (got ${seed})`, field);
  }
  return seed;
}

export const T_RANGE = [0, 1] as const;
