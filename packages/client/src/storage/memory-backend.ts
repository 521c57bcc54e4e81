/**
 * In-memory `StorageBackend` (tests, ephemeral sessions, and the reference the conformance suite is
 * written against). Values are copied in and out so callers cannot alias stored bytes.
 */
import {
  checkKey,
  checkOp,
  checkQuery,
  checkTable,
  checkValue,
  effectiveBounds,
  type BackendEntry,
  type BackendOp,
  type RangeQuery,
  type StorageBackend,
} from './backend.js';
import { compareBytes, fromHex, toHex } from './bytes.js';
import { StorageError } from './errors.js';

/** table → (hex key → value). Hex sorts exactly like the bytes it encodes. */
export type MemoryData = Map<string, Map<string, Uint8Array>>;

export class MemoryBackend implements StorageBackend {
  private closed = false;

  /** Pass the same `data` to a new instance to simulate close + reopen. */
  constructor(private readonly tables: MemoryData = new Map()) {}

  /** Every stored value and key, raw (tests scan these for plaintext). */
  dump(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const [name, t] of this.tables) {
      out.push(new TextEncoder().encode(name));
      for (const [k, v] of t) out.push(fromHex(k), v.slice());
    }
    return out;
  }

  private table(name: string, create: boolean): Map<string, Uint8Array> | undefined {
    this.ensureOpen();
    checkTable(name);
    let t = this.tables.get(name);
    if (t === undefined && create) {
      t = new Map();
      this.tables.set(name, t);
    }
    return t;
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError('Closed', 'backend is closed');
  }

  get(table: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    return Promise.resolve().then(() => {
      const hex = toHex(checkKey(key));
      return this.table(table, false)?.get(hex)?.slice();
    });
  }

  put(table: string, key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.batch([{ op: 'put', table, key, value }]);
  }

  delete(table: string, key: Uint8Array): Promise<void> {
    return this.batch([{ op: 'delete', table, key }]);
  }

  range(table: string, query: RangeQuery = {}): Promise<BackendEntry[]> {
    return Promise.resolve().then(() => {
      checkQuery(query);
      const t = this.table(table, false);
      if (t === undefined) return [];
      const { lower, upper } = effectiveBounds(query, compareBytes);
      const lo = lower && toHex(lower);
      const hi = upper && toHex(upper);
      const keys = [...t.keys()]
        .filter((k) => (lo === undefined || k >= lo) && (hi === undefined || k < hi))
        .sort();
      if (query.reverse === true) keys.reverse();
      const limited = query.limit === undefined ? keys : keys.slice(0, query.limit);
      return limited.map((k) => ({ key: fromHex(k), value: (t.get(k) as Uint8Array).slice() }));
    });
  }

  batch(ops: readonly BackendOp[]): Promise<void> {
    return Promise.resolve().then(() => {
      this.ensureOpen();
      // Validate everything first: a bad op anywhere means nothing is applied.
      for (const op of ops) checkOp(op);
      for (const op of ops) {
        const t = this.table(op.table, op.op === 'put');
        if (op.op === 'put') t?.set(toHex(op.key), checkValue(op.value).slice());
        else t?.delete(toHex(op.key));
      }
    });
  }

  count(table: string): Promise<number> {
    return Promise.resolve().then(() => this.table(table, false)?.size ?? 0);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
