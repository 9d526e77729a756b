// Relay-style cursor pagination. Cursors are opaque base64url strings: "id:<uuid>" for projects
// and faces (newest first, UUIDv7 ids sort by creation time), "seq:<n>" for a face's edits.
import { badInput } from './errors.ts';
import { isUuid } from './validate.ts';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 0 and ${MAX_PAGE_SIZE} (got ${first})`, 'first');
  }
  return first;
}

const encode = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

export const idCursor = (id: string) => encode(`id:${id}`);
export const seqCursor = (seq: number) => encode(`seq:${seq}`);

function decode(cursor: string): string {
  if (typeof cursor !== 'string' || cursor.length > 200 || !/^[A-Za-z0-9_-]*$/.test(cursor)) {
    throw badInput(`after is not a cursor returned by this API: ${JSON.stringify(cursor)}`, 'after');
  }
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

export function parseIdCursor(cursor: string | null | undefined): string | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const raw = decode(cursor);
  const id = raw.startsWith('id:') ? raw.slice(3) : '';
  if (!isUuid(id)) throw badInput(`after is not a cursor of this list: ${JSON.stringify(cursor)}`, 'after');
  return id.toLowerCase();
}

const MAX_INT4 = 2 ** 31 - 1;

export function parseSeqCursor(cursor: string | null | undefined): number | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const raw = decode(cursor);
  const n = raw.startsWith('seq:') ? Number(raw.slice(4)) : NaN;
  // seq is an int4 column: a larger number cannot be a cursor of this list (and would fail in SQL).
  if (!Number.isInteger(n) || n < 1 || n > MAX_INT4)
    throw badInput(`after is not a cursor of this list: ${JSON.stringify(cursor)}`, 'after');
  return n;
}

export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** `rows` fetched with limit first+1: trims the extra row and reports whether there is more. */
export function toPage<T>(rows: T[], first: number, cursorOf: (row: T) => string, after: unknown): Page<T> {
  const hasNextPage = rows.length > first;
  const nodes = hasNextPage ? rows.slice(0, first) : rows;
  return { nodes, cursors: nodes.map(cursorOf), hasNextPage, hasPreviousPage: after !== undefined };
}
