// One pg Pool shared by the four port implementations: the closed flag, query/transaction helpers
// (a deadlock or serialization failure is retried: PostgreSQL aborts one side and it is safe to redo),
// and a type parser that turns BIGINT into a JS number (all our bigints are ms times, seqs and ids far
// below 2^53; row checks reject anything unsafe as CorruptRow).
import pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import { StoreError } from '../store-error.js';

const INT8_OID = 20;
const RETRYABLE = new Set(['40P01', '40001']); // deadlock_detected, serialization_failure
const MAX_ATTEMPTS = 5;

/** Thrown inside `tx` to roll back and still return `value`. */
export class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

export type Queryable = Pick<PoolClient, 'query'>;

export function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export class PgHandle {
  private closed = false;
  readonly pool: pg.Pool;

  constructor(
    url: string,
    poolSize: number,
    applicationName: string,
    /** A schema of its own (search_path), e.g. several relays or test runs in one database. */
    readonly schema: string | undefined,
  ) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      application_name: applicationName,
      ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
          oid === INT8_OID && format !== 'binary'
            ? (v: string) => Number(v)
            : (pg.types.getTypeParser(oid, format ?? 'text') as unknown)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client losing its server (restart, network) must not crash the process: the pool drops
    // it and the next query opens a new one.
    this.pool.on('error', () => undefined);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('Closed', 'the store is closed');
  }

  /** One statement outside a transaction. */
  async query<R extends QueryResultRow>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    this.assertOpen();
    return (await this.pool.query<R>(sql, params as unknown[])).rows;
  }

  /** Runs `fn` in BEGIN … COMMIT on one connection; retried on deadlock / serialization failure. */
  async tx<T>(fn: (c: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.assertOpen();
      const c = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await c.query('BEGIN');
        const value = await fn(c);
        await c.query('COMMIT');
        return value;
      } catch (err) {
        try {
          await c.query('ROLLBACK');
        } catch (e) {
          broken = e instanceof Error ? e : new Error(String(e));
        }
        if (err instanceof Rollback) return err.value as T;
        if (!RETRYABLE.has(pgCode(err) ?? '') || attempt >= MAX_ATTEMPTS) throw err;
      } finally {
        c.release(broken);
      }
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** Uint8Array → Buffer view (pg serialises Buffers as bytea, also inside arrays). */
export const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
