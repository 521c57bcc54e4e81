/**
 * The messenger's KvStore over C1's `EncryptedStore` (storage/encrypted-store.ts): one table,
 * each '/'-separated key segment a blinded key part (so the files do not show contact ids), and
 * the plain key stored INSIDE the encrypted value so listings can give it back (blinded keys are
 * one-way). Atomic writes map to `EncryptedStore.batch`.
 */
import type { EncryptedStore } from '../storage/encrypted-store.js';
import { StorageError } from '../storage/errors.js';
import { MessengerError } from './errors.js';
import type { KvStore, KvWrite } from './kv.js';

const TABLE = 'messenger';
const text = new TextEncoder();
const untext = new TextDecoder('utf-8', { fatal: true });

function parts(key: string): string[] {
  return key.split('/');
}

function wrap(key: string, value: Uint8Array): Uint8Array {
  const k = text.encode(key);
  const out = new Uint8Array(2 + k.length + value.length);
  out[0] = k.length >> 8;
  out[1] = k.length & 0xff;
  out.set(k, 2);
  out.set(value, 2 + k.length);
  return out;
}

function unwrap(sealed: Uint8Array): [string, Uint8Array] {
  if (sealed.length < 2) throw new MessengerError('StorageFailed', 'stored entry is corrupt');
  const n = (sealed[0]! << 8) | sealed[1]!;
  if (sealed.length < 2 + n) throw new MessengerError('StorageFailed', 'stored entry is corrupt');
  return [untext.decode(sealed.subarray(2, 2 + n)), sealed.slice(2 + n)];
}

function storageFailure(e: unknown): never {
  if (e instanceof MessengerError) throw e;
  if (StorageError.is(e, 'WrongPassphrase'))
    throw new MessengerError('WrongPassphrase', 'wrong passphrase', { cause: e });
  throw new MessengerError('StorageFailed', 'local storage failed', { cause: e });
}

/** The part of `EncryptedStore` used here (the browser passes its WebCrypto-keyed equivalent). */
export type EncryptedKvStore = Pick<EncryptedStore, 'get' | 'scan' | 'batch' | 'close'>;

export class EncryptedKv implements KvStore {
  constructor(readonly store: EncryptedKvStore) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const v = await this.store.get(TABLE, parts(key));
      return v === undefined ? undefined : unwrap(v)[1];
    } catch (e) {
      return storageFailure(e);
    }
  }

  /** `prefix` must end at a segment boundary ('c/', 's/<account>/'). */
  async list(prefix: string): Promise<[string, Uint8Array][]> {
    const p = prefix.endsWith('/') ? parts(prefix.slice(0, -1)) : parts(prefix);
    try {
      const rows = await this.store.scan(TABLE, p);
      const out = rows.map((r) => unwrap(r.value)).filter(([k]) => k.startsWith(prefix));
      return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    } catch (e) {
      return storageFailure(e);
    }
  }

  async write(batch: readonly KvWrite[]): Promise<void> {
    try {
      await this.store.batch(
        batch.map((w) =>
          w.value === null
            ? { op: 'delete' as const, table: TABLE, key: parts(w.key) }
            : { op: 'put' as const, table: TABLE, key: parts(w.key), value: wrap(w.key, w.value) },
        ),
      );
    } catch (e) {
      storageFailure(e);
    }
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
