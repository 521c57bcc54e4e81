// What someone who stole a relay's data directory would hold. Strictly read-only on the original:
// SQLite files are copied (with -wal/-shm) to a private temp dir and the COPY is opened
// `{ readonly: true, fileMustExist: true }`, so no connection ever checkpoints the original WAL.
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readSync,
  openSync,
  closeSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { defang } from './defang.js';
import { AuditError } from './errors.js';
import { listFiles, scanFiles } from './needle-scan.js';
import type { NeedleLocation, ScannedFile } from './needle-scan.js';
import type { ServerViewSummary } from './report.js';
import { introspect } from './sqlite-introspect.js';
import type { AccountView, TableInfo } from './sqlite-introspect.js';

export interface DatabaseView {
  readonly file: string;
  readonly tables: readonly TableInfo[];
  readonly accounts: readonly AccountView[];
  readonly error: string | null;
}

export interface ServerView {
  readonly dir: string;
  readonly files: readonly ScannedFile[];
  readonly skipped: readonly string[];
  readonly databases: readonly DatabaseView[];
  readonly needles: number;
  /** Total occurrences of all needles in all encodings. */
  readonly found: number;
  /** Occurrences per needle index (same order as the needles given). */
  readonly found_per_needle: readonly number[];
  readonly locations: readonly NeedleLocation[];
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

function isSqlite(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.equals(SQLITE_MAGIC);
  } finally {
    closeSync(fd);
  }
}

function viewDatabase(root: string, file: string): DatabaseView {
  const tmp = mkdtempSync(join(tmpdir(), 'sotto-audit-view-'));
  const rel = relative(root, file);
  try {
    const copy = join(tmp, basename(file));
    copyFileSync(file, copy);
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(file + suffix)) copyFileSync(file + suffix, copy + suffix);
    }
    const db = new Database(copy, { readonly: true, fileMustExist: true });
    try {
      const { tables, accounts } = introspect(db);
      return { file: rel, tables, accounts, error: null };
    } finally {
      db.close();
    }
  } catch (err) {
    return { file: rel, tables: [], accounts: [], error: err instanceof Error ? err.message : String(err) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Opens `dir` read-only, introspects every SQLite file in it and scans every byte for the needles. */
export function serverView(dir: string, needles: readonly string[] = []): ServerView {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new AuditError('NoDatabase', `"data" expected a directory`);
  }
  const { files, skipped } = listFiles(dir);
  // Scan first, from the untouched originals, before anything else reads the directory.
  const { locations, scanned, totals } = scanFiles(dir, files, needles);
  const databases = files.filter(isSqlite).map((f) => viewDatabase(dir, f));
  return {
    dir,
    files: scanned,
    skipped: skipped.map((s) => relative(dir, s)),
    databases,
    needles: needles.length,
    found: totals.reduce((a, b) => a + b, 0),
    found_per_needle: totals,
    locations,
  };
}

export function summarize(v: ServerView): ServerViewSummary {
  return { needles: v.needles, found: v.found, locations: v.locations };
}

/** Human text: one block per database, then the needle result. Needles themselves are not echoed. */
export function renderServerView(v: ServerView): string {
  const lines: string[] = [
    `Server view of ${v.dir}: ${v.files.length} file(s), ${v.files.reduce((a, f) => a + f.bytes, 0)} bytes`,
  ];
  for (const db of v.databases) {
    lines.push(`Database ${db.file}${db.error ? ` (unreadable: ${db.error})` : ''}`);
    for (const t of db.tables) {
      const meta = t.columns
        .filter((c) => c.role !== 'other')
        .map((c) => `${c.name}:${c.role}`)
        .join(', ');
      lines.push(`  ${t.label.padEnd(26)} ${String(t.rows).padStart(6)} row(s)  ${meta}`);
    }
    for (const a of db.accounts) {
      const rel = a.relations.map(
        (r) => `${r.label} ${r.rows}${r.blob_bytes ? ` (${r.blob_bytes} B)` : ''} [${r.via}]`,
      );
      lines.push(`  account ${a.account}: ${rel.join('; ') || 'nothing else'}`);
    }
  }
  lines.push(`Needles: ${v.needles} searched, ${v.found} occurrence(s) found`);
  for (const l of v.locations.slice(0, 10))
    lines.push(`  needle #${l.needle} in ${l.file} @${l.offset} as ${l.encoding}`);
  if (v.locations.length > 10) lines.push(`  … ${v.locations.length - 10} more (see --json)`);
  return defang(lines.join('\n'));
}
