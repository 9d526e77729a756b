// Named statement parameters: each statement numbers its own ($1, $2, ...) as it names them, so
// no two statements share a positional list.
import type pg from 'pg';

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export class Params {
  readonly values: unknown[] = [];
  /** Adds a value and returns its placeholder, with an optional cast (`$3::uuid`). */
  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return `$${this.values.length}${cast ? `::${cast}` : ''}`;
  }
}
