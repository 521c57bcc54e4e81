/**
 * The raw storage port: an ordered key-value store split into named tables, with atomic batches.
 * Keys and values are opaque bytes; keys sort in lexicographic byte order (SQLite BLOB order,
 * memcmp). Every method is async because browser storage (IndexedDB) is.
 *
 * Adapters: `MemoryBackend` (here), `SqliteBackend` (`@sotto/client/node`), and the browser's
 * IndexedDB backend (issue 6). One conformance suite (`@sotto/testkit` client-store) runs against
 * every adapter.
 *
 * Backends see only what the layer above gives them: `EncryptedStore` hands them blinded keys and
 * AES-GCM ciphertexts, never plaintext.
 */
import { StorageError } from './errors.js';

/** One write inside an atomic batch. */
export type BackendOp =
  | { op: 'put'; table: string; key: Uint8Array; value: Uint8Array }
  | { op: 'delete'; table: string; key: Uint8Array };

export interface BackendEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/**
 * A range scan over one table. Bounds are byte strings: `gte` inclusive, `lt` exclusive; `prefix`
 * narrows to keys starting with it (combined with the bounds). Results come in ascending key order,
 * or descending with `reverse`; `limit` caps the count (after ordering).
 */
export interface RangeQuery {
  prefix?: Uint8Array;
  gte?: Uint8Array;
  lt?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}

export interface StorageBackend {
  get(table: string, key: Uint8Array): Promise<Uint8Array | undefined>;
  put(table: string, key: Uint8Array, value: Uint8Array): Promise<void>;
  delete(table: string, key: Uint8Array): Promise<void>;
  range(table: string, query?: RangeQuery): Promise<BackendEntry[]>;
  /** Applies every op or none, in order (a later op on the same key wins). */
  batch(ops: readonly BackendOp[]): Promise<void>;
  /** Number of entries in a table (for tests, pruning and diagnostics). */
  count(table: string): Promise<number>;
  close(): Promise<void>;
}

/** Table names: short, lower-case identifiers, so every backend can map them to its own namespaces. */
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
export const MAX_KEY_BYTES = 1024;
export const MAX_VALUE_BYTES = 16 * 1024 * 1024;

export function checkTable(table: unknown): string {
  if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
    throw new StorageError('InvalidArgument', '"table" expected a name matching [a-z_][a-z0-9_]{0,62}');
  }
  return table;
}

export function checkKey(key: unknown): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length === 0 || key.length > MAX_KEY_BYTES) {
    throw new StorageError('InvalidArgument', `"key" expected 1..${MAX_KEY_BYTES} bytes`);
  }
  return key;
}

export function checkValue(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length > MAX_VALUE_BYTES) {
    throw new StorageError(
      'InvalidArgument',
      `"value" expected a Uint8Array of at most ${MAX_VALUE_BYTES} bytes`,
    );
  }
  return value;
}

export function checkOp(op: BackendOp): void {
  checkTable(op.table);
  checkKey(op.key);
  if (op.op === 'put') checkValue(op.value);
  else if (op.op !== 'delete') throw new StorageError('InvalidArgument', 'batch op must be put or delete');
}

export function checkQuery(q: RangeQuery): void {
  if (q.prefix !== undefined && !(q.prefix instanceof Uint8Array)) {
    throw new StorageError('InvalidArgument', '"prefix" expected bytes');
  }
  if (q.gte !== undefined && !(q.gte instanceof Uint8Array))
    throw new StorageError('InvalidArgument', '"gte" expected bytes');
  if (q.lt !== undefined && !(q.lt instanceof Uint8Array))
    throw new StorageError('InvalidArgument', '"lt" expected bytes');
  if (q.limit !== undefined && (!Number.isSafeInteger(q.limit) || q.limit < 0)) {
    throw new StorageError('InvalidArgument', '"limit" expected a non-negative integer');
  }
}

/**
 * The smallest byte string greater than every string starting with `prefix`, or undefined when
 * there is none (empty prefix or all 0xff).
 */
export function prefixUpperBound(prefix: Uint8Array): Uint8Array | undefined {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const out = prefix.slice(0, end);
  out[end - 1] = (out[end - 1] as number) + 1;
  return out;
}

/** Folds `prefix` into inclusive-lower / exclusive-upper bounds (undefined = unbounded). */
export function effectiveBounds(
  q: RangeQuery,
  compare: (a: Uint8Array, b: Uint8Array) => number,
): {
  lower: Uint8Array | undefined;
  upper: Uint8Array | undefined;
} {
  let lower = q.gte;
  let upper = q.lt;
  if (q.prefix !== undefined && q.prefix.length > 0) {
    if (lower === undefined || compare(q.prefix, lower) > 0) lower = q.prefix;
    const pu = prefixUpperBound(q.prefix);
    if (pu !== undefined && (upper === undefined || compare(pu, upper) < 0)) upper = pu;
  }
  return { lower, upper };
}
