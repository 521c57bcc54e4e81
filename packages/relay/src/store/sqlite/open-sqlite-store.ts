// Opens the SQLite adapter: WAL, synchronous=FULL (a commit is synced before we acknowledge anyone),
// busy_timeout for a second process on the same file, foreign keys on, migrations applied.
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
