/**
 * SQLite `StorageBackend` for Node (better-sqlite3 12). One table `kv(t, k, v)` keyed by
 * (table name, key bytes); BLOB keys compare with memcmp, which is exactly the port's byte order.
 *
 * Durability: WAL journal with `synchronous=FULL`, so a batch that returned is on disk even after a
 * power cut (WAL + NORMAL could lose the last transactions). `secure_delete` overwrites freed pages
 * so deleted ciphertext does not linger. Each batch is one SQLite transaction: all or nothing.
 *
 * Schema changes are numbered migrations tracked in `PRAGMA user_version` (Signal-Desktop style).
 */
import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import {
  checkKey,
  checkOp,
  checkQuery,
  checkTable,
  checkValue,
  effectiveBounds,
  type BackendEntry,
  type BackendOp,
  type RangeQuery,
  type StorageBackend,
} from '../storage/backend.js';
import { compareBytes } from '../storage/bytes.js';
import { StorageError } from '../storage/errors.js';

const MIGRATIONS: readonly string[] = [
  // 1: the single ordered key-value table.
  'CREATE TABLE kv (t TEXT NOT NULL, k BLOB NOT NULL, v BLOB NOT NULL, PRIMARY KEY (t, k)) WITHOUT ROWID',
];

export interface SqliteBackendOptions {
  /** Open read-only (diagnostics). */
  readonly?: boolean;
}

function toBytes(v: unknown): Uint8Array {
  // better-sqlite3 returns Buffers for BLOBs; hand out plain Uint8Array copies (isomorphic API).
  if (!(v instanceof Uint8Array)) throw new StorageError('BackendFailure', 'unexpected non-blob column');
  return new Uint8Array(v);
}

function wrapFailure(e: unknown): never {
  if (e instanceof StorageError) throw e;
  throw new StorageError('BackendFailure', 'sqlite operation failed', { cause: e });
}

export class SqliteBackend implements StorageBackend {
  private readonly db: Db;
  private closed = false;
  private readonly sGet: Statement<[string, Uint8Array]>;
  private readonly sPut: Statement<[string, Uint8Array, Uint8Array]>;
  private readonly sDel: Statement<[string, Uint8Array]>;
  private readonly sCount: Statement<[string]>;

  /** Opens (creating if needed) the database file at `path`; `':memory:'` works too. */
  constructor(
    readonly path: string,
    options: SqliteBackendOptions = {},
  ) {
    try {
      const isFile = path !== ':memory:' && path !== '';
      const fresh = isFile && !existsSync(path);
      this.db = new Database(path, { readonly: options.readonly ?? false });
      // Owner-only: ciphertext still reveals sizes and timing. SQLite gives -wal/-shm the same mode.
      if (fresh) chmodSync(path, 0o600);
      if (options.readonly !== true) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = FULL');
        this.db.pragma('secure_delete = ON');
        this.migrate();
      }
      this.sGet = this.db.prepare('SELECT v FROM kv WHERE t = ? AND k = ?');
      this.sPut = this.db.prepare(
        'INSERT INTO kv (t, k, v) VALUES (?, ?, ?) ON CONFLICT (t, k) DO UPDATE SET v = excluded.v',
      );
      this.sDel = this.db.prepare('DELETE FROM kv WHERE t = ? AND k = ?');
      this.sCount = this.db.prepare('SELECT count(*) AS n FROM kv WHERE t = ?');
    } catch (e) {
      wrapFailure(e);
    }
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v] as string);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError('Closed', 'backend is closed');
  }

  get(table: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    return Promise.resolve().then(() => {
      this.ensureOpen();
      checkTable(table);
      checkKey(key);
      try {
        const row = this.sGet.get(table, key) as { v: unknown } | undefined;
        return row === undefined ? undefined : toBytes(row.v);
      } catch (e) {
        return wrapFailure(e);
      }
    });
  }

  put(table: string, key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.batch([{ op: 'put', table, key, value }]);
  }

  delete(table: string, key: Uint8Array): Promise<void> {
    return this.batch([{ op: 'delete', table, key }]);
  }

  range(table: string, query: RangeQuery = {}): Promise<BackendEntry[]> {
    return Promise.resolve().then(() => {
      this.ensureOpen();
      checkTable(table);
      checkQuery(query);
      const { lower, upper } = effectiveBounds(query, compareBytes);
      const where = ['t = ?'];
      const args: unknown[] = [table];
      if (lower !== undefined) {
        where.push('k >= ?');
        args.push(lower);
      }
      if (upper !== undefined) {
        where.push('k < ?');
        args.push(upper);
      }
      let sql = `SELECT k, v FROM kv WHERE ${where.join(' AND ')} ORDER BY k ${query.reverse === true ? 'DESC' : 'ASC'}`;
      if (query.limit !== undefined) {
        sql += ' LIMIT ?';
        args.push(query.limit);
      }
      try {
        const rows = this.db.prepare(sql).all(...args) as { k: unknown; v: unknown }[];
        return rows.map((r) => ({ key: toBytes(r.k), value: toBytes(r.v) }));
      } catch (e) {
        return wrapFailure(e);
      }
    });
  }

  batch(ops: readonly BackendOp[]): Promise<void> {
    return Promise.resolve().then(() => {
      this.ensureOpen();
      for (const op of ops) checkOp(op);
      try {
        this.db.transaction(() => {
          for (const op of ops) {
            if (op.op === 'put') this.sPut.run(op.table, op.key, checkValue(op.value));
            else this.sDel.run(op.table, op.key);
          }
        })();
      } catch (e) {
        wrapFailure(e);
      }
    });
  }

  count(table: string): Promise<number> {
    return Promise.resolve().then(() => {
      this.ensureOpen();
      checkTable(table);
      return (this.sCount.get(table) as { n: number }).n;
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Folds the WAL into the main file (tests that inspect files, backups). */
  checkpoint(): void {
    this.ensureOpen();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.db.close();
    }
    return Promise.resolve();
  }
}
