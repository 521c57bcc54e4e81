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
    const db = new Database(path);
    try {
      db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
      if (!memory) db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      const schemaVersion = migrate(db);
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
            return Promise.resolve(h.stmt('SELECT 1 AS ok').get() !== undefined);
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
