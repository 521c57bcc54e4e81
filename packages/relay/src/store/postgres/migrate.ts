// Numbered SQL migrations (migrations/NNN_name.sql) applied at start-up in ONE transaction that first
// takes a transaction-scoped advisory lock: several relay nodes starting at once queue on the lock, and
// each one after the first finds the work done. A database newer than this code is refused.
import { fileURLToPath } from 'node:url';
import { loadMigrations } from '../sqlite/migrate.js';
import type { Migration } from '../sqlite/migrate.js';
import { StoreError } from '../store-error.js';
import type { PgHandle } from './pg-handle.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Arbitrary constant naming "the Sotto relay schema" among advisory locks (ASCII "sottoSch"). */
const MIGRATION_LOCK_KEY = '8318823485462865000';

export function loadPostgresMigrations(): Migration[] {
  return loadMigrations(MIGRATIONS_DIR);
}

/** Applies pending migrations; returns the schema version now in force. */
export async function migratePostgres(
  h: PgHandle,
  migrations: readonly Migration[] = loadPostgresMigrations(),
): Promise<number> {
  const latest = migrations.at(-1)?.version ?? 0;
  return h.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    // The identifier was checked against SCHEMA_RE by openPostgresStore.
    if (h.schema !== undefined) await c.query(`CREATE SCHEMA IF NOT EXISTS ${h.schema}`);
    await c.query(
      'CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
    );
    const { rows } = await c.query<{ v: number }>(
      'SELECT coalesce(max(version), 0)::integer AS v FROM schema_version',
    );
    const current = rows[0]?.v ?? 0;
    if (current > latest) {
      throw new StoreError('Migration', `database schema ${current} is newer than this relay (${latest})`);
    }
    for (const mig of migrations) {
      if (mig.version <= current) continue;
      try {
        await c.query(mig.sql);
      } catch (err) {
        throw new StoreError('Migration', `migration ${mig.version} failed: ${(err as Error).message}`);
      }
      await c.query('INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)', [
        mig.version,
        mig.name,
        Date.now(),
      ]);
    }
    return Math.max(current, latest);
  });
}
