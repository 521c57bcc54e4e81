/**
 * The client's `StorageBackend` port on IndexedDB (`idb`). One object store holds every table:
 * the IndexedDB key is the array `[table, keyBytes]`. IndexedDB compares arrays element by element,
 * strings by code unit and binary keys by unsigned bytes (IndexedDB 3.0 §2.5 "compare two keys"),
 * so a table's rows are contiguous and sorted exactly like the port's lexicographic byte order:
 * `[table]` sorts before every row of the table and `[table, []]` (an array beats any binary key)
 * after all of them.
 *
 * Every op of a `batch` runs in ONE readwrite transaction: all or nothing. Values and keys are
 * copied in and out, so callers cannot alias stored bytes. The layer above (`EncryptedStore`) only
 * hands this backend blinded keys and ciphertexts.
 */
import { deleteDB, openDB, type IDBPDatabase } from 'idb';
import {
  checkKey,
  checkOp,
  checkQuery,
  checkTable,
  checkValue,
  compareBytes,
  effectiveBounds,
  StorageError,
  type BackendEntry,
  type BackendOp,
  type RangeQuery,
  type StorageBackend,
} from '@sotto/client';

const STORE = 'kv';
const DB_VERSION = 1;

type IdbKey = [string, ArrayBuffer];

/** A fresh ArrayBuffer holding exactly the bytes (no aliasing of the caller's buffer). */
function buf(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

function bytesOf(v: unknown): Uint8Array {
  if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
  throw new StorageError('BackendFailure', 'IndexedDB returned a value that is not bytes');
}

function failure(e: unknown): StorageError {
  if (e instanceof StorageError) return e;
  return new StorageError('BackendFailure', 'IndexedDB operation failed', { cause: e });
}

export class IdbBackend implements StorageBackend {
  private closed = false;

  private constructor(private readonly db: IDBPDatabase) {
    // Another tab upgrading or deleting the database: step aside instead of blocking it.
    db.addEventListener('versionchange', () => {
      this.closed = true;
      db.close();
    });
  }

  /** Opens (creating if needed) the IndexedDB database `name`. */
  static async open(name = 'sotto'): Promise<IdbBackend> {
    try {
      const db = await openDB(name, DB_VERSION, {
        upgrade(d) {
          if (!d.objectStoreNames.contains(STORE)) d.createObjectStore(STORE);
        },
      });
      return new IdbBackend(db);
    } catch (e) {
      throw failure(e);
    }
  }

  /**
   * Deletes the database `name` and resolves once it is gone. While another connection is still open
   * the deletion waits (every `IdbBackend` closes itself on `versionchange`, so that is brief);
   * `onBlocked` is told that it is waiting.
   */
  static async destroy(name = 'sotto', onBlocked?: () => void): Promise<void> {
    await deleteDB(name, onBlocked === undefined ? {} : { blocked: () => onBlocked() });
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError('Closed', 'backend is closed');
  }

  async get(table: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    this.ensureOpen();
    const k: IdbKey = [checkTable(table), buf(checkKey(key))];
    try {
      const v: unknown = await this.db.get(STORE, k);
      return v === undefined ? undefined : bytesOf(v);
    } catch (e) {
      throw failure(e);
    }
  }

  put(table: string, key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.batch([{ op: 'put', table, key, value }]);
  }

  delete(table: string, key: Uint8Array): Promise<void> {
    return this.batch([{ op: 'delete', table, key }]);
  }

  private tableRange(table: string, query: RangeQuery): IDBKeyRange | null {
    const { lower, upper } = effectiveBounds(query, compareBytes);
    if (lower !== undefined && upper !== undefined && compareBytes(lower, upper) >= 0) return null;
    const lo = lower === undefined ? [table] : [table, buf(lower)];
    const hi = upper === undefined ? [table, []] : [table, buf(upper)];
    return IDBKeyRange.bound(lo, hi, false, true);
  }

  async range(table: string, query: RangeQuery = {}): Promise<BackendEntry[]> {
    this.ensureOpen();
    checkTable(table);
    checkQuery(query);
    const range = this.tableRange(table, query);
    if (range === null || query.limit === 0) return [];
    try {
      const out: BackendEntry[] = [];
      const tx = this.db.transaction(STORE, 'readonly');
      let cursor = await tx.store.openCursor(range, query.reverse === true ? 'prev' : 'next');
      while (cursor !== null && (query.limit === undefined || out.length < query.limit)) {
        const key = cursor.key as unknown as IdbKey;
        out.push({ key: bytesOf(key[1]), value: bytesOf(cursor.value) });
        cursor = await cursor.continue();
      }
      await tx.done;
      return out;
    } catch (e) {
      throw failure(e);
    }
  }

  async batch(ops: readonly BackendOp[]): Promise<void> {
    this.ensureOpen();
    // Validate everything first: a bad op anywhere means nothing is applied.
    for (const op of ops) checkOp(op);
    if (ops.length === 0) return;
    try {
      const tx = this.db.transaction(STORE, 'readwrite');
      const requests: Promise<unknown>[] = [];
      try {
        for (const op of ops) {
          const k: IdbKey = [op.table, buf(op.key)];
          // Requests run in order on one transaction; tx.done settles after all of them.
          requests.push(op.op === 'put' ? tx.store.put(buf(checkValue(op.value)), k) : tx.store.delete(k));
        }
      } catch (e) {
        // A request that could not even be queued: abort, so nothing already queued commits.
        tx.abort();
        await Promise.allSettled([tx.done, ...requests]);
        throw e;
      }
      await Promise.all([tx.done, ...requests]);
    } catch (e) {
      throw failure(e);
    }
  }

  async count(table: string): Promise<number> {
    this.ensureOpen();
    checkTable(table);
    try {
      return await this.db.count(STORE, IDBKeyRange.bound([table], [table, []], false, true));
    } catch (e) {
      throw failure(e);
    }
  }

  /** Every raw key and value as stored (the browser tests scan these for plaintext). */
  async dump(): Promise<Uint8Array[]> {
    this.ensureOpen();
    const out: Uint8Array[] = [];
    const tx = this.db.transaction(STORE, 'readonly');
    let c = await tx.store.openCursor();
    while (c !== null) {
      const key = c.key as unknown as IdbKey;
      out.push(new TextEncoder().encode(key[0]), bytesOf(key[1]), bytesOf(c.value));
      c = await c.continue();
    }
    await tx.done;
    return out;
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.db.close();
    }
    return Promise.resolve();
  }
}
