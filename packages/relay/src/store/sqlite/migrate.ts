// Numbered SQL migrations (migrations/NNN_name.sql), applied in order, each in its own IMMEDIATE
// transaction and recorded in schema_version, so two processes opening one file at once serialise on
// the write lock and the second finds the work done. A database newer than this code is refused.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { StoreError } from '../store-error.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const FILE_RE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** The migrations shipped with this code, in version order (1, 2, 3 … without gaps). */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const list = readdirSync(dir)
    .map((f) => ({ f, m: FILE_RE.exec(f) }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
    .map(({ f, m }) => ({ version: Number(m[1]), name: m[2]!, sql: readFileSync(`${dir}/${f}`, 'utf8') }))
    .sort((a, b) => a.version - b.version);
  list.forEach((mig, i) => {
    if (mig.version !== i + 1) throw new StoreError('Migration', `migration ${i + 1} missing`);
  });
  return list;
}

/** Applies pending migrations; returns the schema version now in force. */
export function migrate(
  db: BetterSqlite3.Database,
  migrations: readonly Migration[] = loadMigrations(),
): number {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const current = () =>
    (db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_version').get() as { v: number }).v;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current() > latest) {
    throw new StoreError('Migration', `database schema ${current()} is newer than this relay (${latest})`);
  }
  for (const mig of migrations) {
    db.transaction(() => {
      if (current() >= mig.version) return; // another process got here first
      db.exec(mig.sql);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(
        mig.version,
        mig.name,
        Date.now(),
      );
    }).immediate();
  }
  return current();
}
