// Generic introspection of a SQLite database: what a thief learns from each table, and per account
// what is known, found by following foreign keys so it survives relay schema changes.
import type Database from 'better-sqlite3';

export type ColumnRole = 'id' | 'size' | 'timestamp' | 'key-material' | 'content' | 'name' | 'other';

export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly role: ColumnRole;
}

export interface TableInfo {
  readonly name: string;
  readonly label: string;
  readonly rows: number;
  readonly columns: readonly ColumnInfo[];
}

export interface AccountRelation {
  readonly table: string;
  readonly label: string;
  /** How the rows hang off the account, e.g. "dev -> device.account_id" or "sender_account_id". */
  readonly via: string;
  readonly rows: number;
  /** Total length of the BLOB columns of those rows (ciphertext sizes, key sizes). */
  readonly blob_bytes: number;
}

export interface AccountView {
  readonly account: string;
  readonly fields: Readonly<Record<string, string | number | null>>;
  readonly relations: readonly AccountRelation[];
}

// Labels for the relay schema in packages/relay/src/store/sqlite/migrations (001_init.sql); any other
// table falls back to its own name.
const LABELS: Readonly<Record<string, string>> = {
  account: 'accounts',
  device: 'devices',
  device_queue: 'queue counters',
  signed_prekey: 'signed prekeys',
  kyber_last_resort: 'last-resort Kyber prekeys',
  one_time_prekey: 'one-time prekeys',
  one_time_kyber_prekey: 'one-time Kyber prekeys',
  mailbox: 'queued messages',
  attachment: 'attachments',
};

const q = (id: string): string => `"${id.replace(/"/g, '""')}"`;

export function columnRole(name: string, type: string): ColumnRole {
  const n = name.toLowerCase();
  if (/(^|_)(created|updated|expires|deleted|last_seen)(_at)?$|_at$|time(stamp)?$|(^|_)date$|^ts$/.test(n))
    return 'timestamp';
  if (/size|length|bytes|(^|_)(len|count|queued)$/.test(n)) return 'size';
  if (/(public_key|signature|identity_key|secret|hash)/.test(n)) return 'key-material';
  if (/(^|_)id$|^dev$|_seq$|^seq$|^key_id$/.test(n)) return 'id';
  if (/name/.test(n)) return 'name';
  if (/blob/i.test(type) || /content|body|blob|payload|ciphertext/.test(n)) return 'content';
  return 'other';
}

interface FkRow {
  table: string;
  from: string;
  to: string | null;
}
interface ColRow {
  name: string;
  type: string;
  pk: number;
}

export function introspect(db: Database.Database): { tables: TableInfo[]; accounts: AccountView[] } {
  const names = (
    db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
  const cols = new Map<string, ColRow[]>();
  const fks = new Map<string, FkRow[]>();
  const tables: TableInfo[] = names.map((name) => {
    const c = db.prepare(`PRAGMA table_info(${q(name)})`).all() as ColRow[];
    cols.set(name, c);
    fks.set(name, db.prepare(`PRAGMA foreign_key_list(${q(name)})`).all() as FkRow[]);
    const rows = (db.prepare(`SELECT count(*) AS n FROM ${q(name)}`).get() as { n: number }).n;
    return {
      name,
      label: LABELS[name] ?? name,
      rows,
      columns: c.map((x) => ({ name: x.name, type: x.type, role: columnRole(x.name, x.type) })),
    };
  });
  return { tables, accounts: accountsOf(db, names, cols, fks) };
}

function accountsOf(
  db: Database.Database,
  names: readonly string[],
  cols: Map<string, ColRow[]>,
  fks: Map<string, FkRow[]>,
): AccountView[] {
  const acct =
    names.find((n) => /^(accounts?|users?)$/i.test(n)) ?? names.find((n) => /account|user/i.test(n));
  if (acct === undefined) return [];
  const acctCols = cols.get(acct) ?? [];
  const key = acctCols.find((c) => c.pk > 0)?.name ?? acctCols[0]?.name;
  if (key === undefined) return [];
  const fkTarget = (fk: FkRow): string => fk.to ?? key;
  const blobSum = (t: string, alias: string): string => {
    const blobs = (cols.get(t) ?? []).filter((c) => /blob/i.test(c.type));
    return blobs.length === 0
      ? '0'
      : blobs.map((c) => `coalesce(length(${alias}.${q(c.name)}), 0)`).join(' + ');
  };
  const byAccount = new Map<string, AccountRelation[]>();
  const add = (account: unknown, rel: AccountRelation): void => {
    const k = String(account);
    byAccount.set(k, [...(byAccount.get(k) ?? []), rel]);
  };
  for (const t of names) {
    if (t === acct) continue;
    const label = LABELS[t] ?? t;
    const queries: { via: string; sql: string }[] = [];
    for (const fk of fks.get(t) ?? []) {
      if (fk.table === acct && fkTarget(fk) === key) {
        queries.push({
          via: fk.from,
          sql: `SELECT t.${q(fk.from)} AS a, count(*) AS n, sum(${blobSum(t, 't')}) AS b FROM ${q(t)} t GROUP BY 1`,
        });
        continue;
      }
      // One hop: t -> u -> account (e.g. mailbox.dev -> device.dev -> device.account_id).
      const hop = (fks.get(fk.table) ?? []).find((f2) => f2.table === acct && fkTarget(f2) === key);
      if (hop !== undefined && fk.to !== null) {
        queries.push({
          via: `${fk.from} -> ${fk.table}.${hop.from}`,
          sql: `SELECT u.${q(hop.from)} AS a, count(*) AS n, sum(${blobSum(t, 't')}) AS b FROM ${q(t)} t JOIN ${q(
            fk.table,
          )} u ON t.${q(fk.from)} = u.${q(fk.to)} GROUP BY 1`,
        });
      }
    }
    // Columns that name an account without a foreign key (e.g. mailbox.sender_account_id): metadata
    // a thief can join on even though the schema does not declare it.
    for (const c of cols.get(t) ?? []) {
      if (c.name !== key && c.name.endsWith(key) && !(fks.get(t) ?? []).some((f) => f.from === c.name)) {
        queries.push({
          via: c.name,
          sql: `SELECT t.${q(c.name)} AS a, count(*) AS n, sum(${blobSum(t, 't')}) AS b FROM ${q(t)} t WHERE t.${q(
            c.name,
          )} IS NOT NULL GROUP BY 1`,
        });
      }
    }
    for (const { via, sql } of queries) {
      for (const r of db.prepare(sql).all() as { a: unknown; n: number; b: number | null }[]) {
        add(r.a, { table: t, label, via, rows: r.n, blob_bytes: r.b ?? 0 });
      }
    }
  }
  const plain = acctCols.filter((c) => !/blob/i.test(c.type)).map((c) => c.name);
  const rows = db.prepare(`SELECT ${plain.map(q).join(', ')} FROM ${q(acct)}`).all() as Record<
    string,
    unknown
  >[];
  return rows.map((r) => {
    const fields: Record<string, string | number | null> = {};
    for (const c of plain) {
      const v = r[c];
      fields[c] =
        typeof v === 'number' || typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : null;
    }
    return { account: String(r[key]), fields, relations: byAccount.get(String(r[key])) ?? [] };
  });
}
