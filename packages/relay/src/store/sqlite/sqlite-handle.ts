// One open better-sqlite3 connection shared by the four port implementations: prepared-statement
// cache, the closed flag, and `call`, which turns synchronous work into the ports' Promise shape.
import type BetterSqlite3 from 'better-sqlite3';
import { StoreError } from '../store-error.js';

export class SqliteHandle {
  private closed = false;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(readonly db: BetterSqlite3.Database) {}

  /** A cached prepared statement. */
  stmt(sql: string): BetterSqlite3.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` now (better-sqlite3 is synchronous) and settles a Promise with its result or error. */
  call<T>(fn: () => T): Promise<T> {
    try {
      if (this.closed) throw new StoreError('Closed', 'the store is closed');
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Runs `fn` in a BEGIN IMMEDIATE transaction (takes the write lock up front: no upgrade deadlocks). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** The device's surrogate key, or undefined. */
  dev(accountId: string, deviceId: number): number | undefined {
    const row = this.stmt('SELECT dev FROM device WHERE account_id = ? AND device_id = ?').get(
      accountId,
      deviceId,
    ) as { dev: number } | undefined;
    return row?.dev;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }
}
