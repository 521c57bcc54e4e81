// Opens the PostgreSQL adapter: a connection pool, migrations applied (advisory-locked, so several
// nodes may start at once), the four ports. Durability is the server's: with the default
// synchronous_commit=on a COMMIT has been flushed to WAL before enqueueMany resolves.
import type { RelayStores } from '../ports.js';
import { StoreError } from '../store-error.js';
import { migratePostgres } from './migrate.js';
import { pgAccountStore } from './pg-account-store.js';
import { pgAttachmentStore } from './pg-attachment-store.js';
import { PgHandle } from './pg-handle.js';
import { pgKeyStore } from './pg-key-store.js';
import { pgMailboxStore } from './pg-mailbox-store.js';
import { pgRateLimitStore } from './pg-rate-limit-store.js';
import type { RateLimitStore } from '../../rate-limit-port.js';

export interface PostgresStoreOptions {
  /** Connections in this node's pool (default 10). */
  poolSize?: number;
  /** Shown in pg_stat_activity (default "sotto-relay"). */
  applicationName?: string;
  /**
   * Keep the tables in this schema (created if missing) instead of the default search_path; lower-case
   * letters, digits and _ only. Lets several relays, or test runs, share one database.
   */
  schema?: string;
  /** How often refilled rate-limit buckets are deleted (default 60 s; tests shorten it). */
  rateLimitSweepMs?: number;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresRelayStores extends RelayStores {
  /** The schema version in force. */
  readonly schemaVersion: number;
  /** Rate-limit buckets in the database, shared by every node on it (migration 002). */
  readonly rateLimits: RateLimitStore;
}

/** Wraps a port so that every method rejects with StoreError('Closed') once the store is closed. */
function guarded<T extends object>(h: PgHandle, port: T): T {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]): unknown => {
        if (h.isClosed) return Promise.reject(new StoreError('Closed', 'the store is closed'));
        try {
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
    },
  });
}

/**
 * Connects to PostgreSQL at `url` (postgres://user:pass@host:port/db) and applies pending migrations.
 * @example const stores = await openPostgresStore('postgres://relay@db/sotto'); … await stores.close();
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresRelayStores> {
  if (options.schema !== undefined && !SCHEMA_RE.test(options.schema)) {
    throw new StoreError('InvalidArgument', '"schema" expected [a-z_][a-z0-9_]{0,62}');
  }
  const h = new PgHandle(
    url,
    options.poolSize ?? 10,
    options.applicationName ?? 'sotto-relay',
    options.schema,
  );
  try {
    const schemaVersion = await migratePostgres(h);
    const rateLimits = pgRateLimitStore(h, options.rateLimitSweepMs);
    return {
      schemaVersion,
      accounts: guarded(h, pgAccountStore(h)),
      keys: guarded(h, pgKeyStore(h)),
      mailbox: guarded(h, pgMailboxStore(h)),
      attachments: guarded(h, pgAttachmentStore(h)),
      rateLimits,
      async healthCheck() {
        if (h.isClosed) return false;
        try {
          // Not just "answers": a read-only session (a hot standby in recovery, or
          // default_transaction_read_only) answers SELECT 1 but could not store one envelope.
          const rows = await h.query<{ ok: unknown }>(
            "SELECT current_setting('transaction_read_only') = 'off' AS ok",
          );
          return rows.length === 1 && rows[0]!.ok === true;
        } catch {
          return false;
        }
      },
      close: () => {
        rateLimits.stop();
        return h.close();
      },
    };
  } catch (err) {
    await h.close();
    throw err;
  }
}
