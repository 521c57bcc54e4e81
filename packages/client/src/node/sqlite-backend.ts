/**
 * SQLite `StorageBackend` for Node (better-sqlite3 12). One table `kv(t, k, v)` keyed by
 * (table name, key bytes); BLOB keys compare with memcmp, which is exactly the port's byte order.
 *
 * Durability: WAL journal with `synchronous=FULL`, so a batch that returned is on disk even after a
 * power cut (WAL + NORMAL could lose the last transactions). Each batch is one SQLite transaction:
 * all or nothing.
 *
 * Erasure: an overwritten or deleted record must not stay in the files, or a copy of the device taken
 * later (with its passphrase) would hold old session states, i.e. old chain keys: forward secrecy at
 * rest. `secure_delete` zeroes deleted content and freed pages in the database; the WAL still holds
 * the old page versions, so at most `SCRUB_DELAY_MS` after a write, at open (after a crash) and at
 * close the WAL is checkpointed and truncated to zero bytes.
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

/** How long an overwritten record's old version may stay in the WAL after the write. */
export const SCRUB_DELAY_MS = 1000;

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
  private scrubTimer: ReturnType<typeof setTimeout> | undefined;

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
        this.scrub(); // what a process killed within SCRUB_DELAY_MS of a write left in the WAL
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
      this.scheduleScrub();
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

  /**
   * Checkpoints the WAL and truncates it to zero bytes, so no old page version is left in it; true
   * when done. Never waits: another process reading the file (a second `sotto` command) makes it
   * return false at once, and the next write schedules another try.
   */
  scrub(): boolean {
    if (this.db.memory) return true; // no file to erase from
    if (this.closed || this.db.readonly || this.db.inTransaction) return false;
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      const [row] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number }[];
      return row?.busy === 0 && row.log === 0;
    } catch {
      return false; // SQLITE_BUSY, or a failing disk that the next write will report
    } finally {
      this.db.pragma(`busy_timeout = ${Math.trunc(timeout)}`);
    }
  }

  private scheduleScrub(): void {
    if (this.scrubTimer !== undefined) return; // one pending scrub covers every write before it
    this.scrubTimer = setTimeout(() => {
      this.scrubTimer = undefined;
      if (!this.scrub() && !this.closed) this.scheduleScrub();
    }, SCRUB_DELAY_MS);
    this.scrubTimer.unref();
  }

  close(): Promise<void> {
    if (!this.closed) {
      clearTimeout(this.scrubTimer);
      this.scrubTimer = undefined;
      this.scrub(); // SQLite's own close leaves the WAL if another process has the file open
      this.closed = true;
      this.db.close();
    }
    return Promise.resolve();
  }
}
