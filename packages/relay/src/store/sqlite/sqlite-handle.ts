// One open better-sqlite3 connection shared by the four port implementations: prepared-statement
// cache, the closed flag, and `call`, which turns synchronous work into the ports' Promise shape.
import type BetterSqlite3 from 'better-sqlite3';
import { StoreError } from '../store-error.js';

export class SqliteHandle {
  private closed = false;
  /** The connection's current `PRAGMA synchronous` (the store opens with FULL). */
  private synchronous: 'FULL' | 'NORMAL' = 'FULL';
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

  /**
   * Runs `fn` in a BEGIN IMMEDIATE transaction (takes the write lock up front: no upgrade deadlocks).
   * `synced` (the default): the COMMIT is fsynced before this returns. `relaxed`: WAL with
   * synchronous=NORMAL, so the commit survives a crash of the process but may be rolled back by a
   * power failure until the next synced commit or checkpoint (each fsync of the WAL covers every frame
   * before it). Only for writes whose loss is harmless and self-healing: deleting acknowledged
   * envelopes (a lost delete means a redelivery, which clients deduplicate), never for storing one.
   */
  tx<T>(fn: () => T, durability: 'synced' | 'relaxed' = 'synced'): T {
    const want = durability === 'synced' ? 'FULL' : 'NORMAL';
    if (want !== this.synchronous && !this.db.inTransaction) {
      this.db.pragma(`synchronous = ${want}`);
      this.synchronous = want;
    }
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
