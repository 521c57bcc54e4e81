// Strict, cheap validation of rows read back from SQLite or PostgreSQL: a row that is not what the schema promises
// (corruption, a foreign writer) becomes StoreError('CorruptRow') instead of a wrong value downstream.
import { StoreError } from './store-error.js';

export type Row = Record<string, unknown>;

function corrupt(col: string): never {
  throw new StoreError('CorruptRow', `unexpected value in column ${col}`);
}

export function asRow(v: unknown): Row {
  if (typeof v !== 'object' || v === null) corrupt('(row)');
  return v as Row;
}

export function int(row: Row, col: string): number {
  const v = row[col];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) corrupt(col);
  return v;
}

export function text(row: Row, col: string): string {
  const v = row[col];
  if (typeof v !== 'string') corrupt(col);
  return v;
}

export function textOrNull(row: Row, col: string): string | null {
  const v = row[col];
  if (v === null) return null;
  if (typeof v !== 'string') corrupt(col);
  return v;
}

export function intOrNull(row: Row, col: string): number | null {
  const v = row[col];
  if (v === null) return null;
  return int(row, col);
}

/** A BLOB column as a plain Uint8Array view (better-sqlite3 returns Buffers); optional exact length. */
export function bytes(row: Row, col: string, length?: number): Uint8Array {
  const v = row[col];
  if (!(v instanceof Uint8Array)) corrupt(col);
  if (length !== undefined && v.length !== length) corrupt(col);
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}
