// Opens the SQLite adapter: WAL, synchronous=FULL (a commit is synced before we acknowledge anyone),
// busy_timeout for a second process on the same file, foreign keys on, secure_delete on, migrations
// applied.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RelayStores } from '../ports.js';
import { migrate } from './migrate.js';
import { sqliteAccountStore } from './sqlite-account-store.js';
import { sqliteAttachmentStore } from './sqlite-attachment-store.js';
import { SqliteHandle } from './sqlite-handle.js';
import { sqliteKeyStore } from './sqlite-key-store.js';
import { sqliteMailboxStore } from './sqlite-mailbox-store.js';

export interface SqliteStoreOptions {
  /** How long a writer waits for another connection's write lock before failing (ms). Default 5000. */
  busyTimeoutMs?: number;
}

export interface SqliteRelayStores extends RelayStores {
  /** The database file, or ':memory:'. */
  readonly path: string;
  /** The schema version in force. */
  readonly schemaVersion: number;
}

/** The database file inside a data directory. */
export const SQLITE_FILE_NAME = 'relay.sqlite';

/**
 * Opens (creating if needed) `dataDir/relay.sqlite`, or a private in-memory database for ':memory:'.
 * @example const stores = await openSqliteStore('./data'); … await stores.close();
 */
export function openSqliteStore(
  dataDir: string,
  options: SqliteStoreOptions = {},
): Promise<SqliteRelayStores> {
  try {
    const memory = dataDir === ':memory:';
    if (!memory) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const path = memory ? ':memory:' : join(dataDir, SQLITE_FILE_NAME);
    const db = openDatabase(path);
    try {
      db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
      if (!memory) db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // A delivered envelope is deleted, and "deleted" should mean gone from the file: without this a
      // DELETE only unlinks the row, and its ciphertext and sender stay readable in free space (394
      // of 400 delivered envelopes were still in relay.sqlite after a checkpoint). ON zeroes freed
      // pages too, which FAST does not (269 of 400 remained). The old copies in the WAL are erased by
      // `scrub` (checkpoint and truncate).
      db.pragma('secure_delete = ON');
      const schemaVersion = migrate(db);
      try {
        probeReadWrite(db);
      } catch (err) {
        throw sqliteCode(err) === 'SQLITE_READONLY' ? unwritable(path, 'it is read-only') : err;
      }
      const h = new SqliteHandle(db);
      const stores: SqliteRelayStores = {
        path,
        schemaVersion,
        accounts: sqliteAccountStore(h),
        keys: sqliteKeyStore(h),
        mailbox: sqliteMailboxStore(h),
        attachments: sqliteAttachmentStore(h),
        scrub() {
          return h.call(() => scrubWal(db, memory));
        },
        healthCheck() {
          if (h.isClosed) return Promise.resolve(false);
          try {
            probeReadWrite(db);
            return Promise.resolve(true);
          } catch {
            return Promise.resolve(false);
          }
        },
        close() {
          h.close();
          return Promise.resolve();
        },
      };
      return Promise.resolve(stores);
    } catch (err) {
      db.close();
      throw err;
    }
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * Copies every WAL frame into the database and truncates the WAL to zero bytes, so that the old page
 * versions it holds (rows since deleted, which secure_delete has zeroed only in the newer versions)
 * are no longer in any file. Never waits: with busy_timeout 0 a reader in another process (a backup)
 * makes it return false at once, and the next call tries again.
 */
function scrubWal(db: Database.Database, memory: boolean): boolean {
  if (memory) return true; // nothing is written to any file
  if (db.inTransaction) return false;
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    const row = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number }[];
    return row[0]?.busy === 0 && row[0].log === 0;
  } catch (err) {
    if (sqliteCode(err) === 'SQLITE_BUSY') return false;
    throw err;
  } finally {
    db.pragma(`busy_timeout = ${Math.trunc(timeout)}`);
  }
}

/**
 * Reads from the file and takes the write lock for a one-page write that is rolled back, so nothing
 * reaches the disk. Throws when the database cannot be read, is read-only (SQLite falls back to a
 * read-only connection when the file is not writable), or another process holds the write lock past
 * busy_timeout: the cases where "SELECT 1" still succeeds but no envelope could be stored.
 */
function probeReadWrite(db: Database.Database): void {
  if (db.inTransaction) return; // a write is under way on this connection: it is usable
  const version = db.pragma('user_version', { simple: true }) as number;
  db.exec('BEGIN IMMEDIATE');
  try {
    db.pragma(`user_version = ${Math.trunc(version)}`);
  } finally {
    db.exec('ROLLBACK');
  }
}

function openDatabase(path: string): Database.Database {
  try {
    return new Database(path);
  } catch (err) {
    throw sqliteCode(err) === 'SQLITE_CANTOPEN' ? unwritable(path, 'it cannot be opened') : err;
  }
}

function sqliteCode(err: unknown): string | undefined {
  return err instanceof Database.SqliteError ? err.code : undefined;
}

/** Coded EACCES so the CLI reports "permission denied" with exit 3, as for a data directory it cannot create. */
function unwritable(path: string, why: string): Error {
  const err = new Error(
    `database ${path}: ${why} (the relay's user must be able to write the file and its directory)`,
  );
  return Object.assign(err, { code: 'EACCES' });
}
