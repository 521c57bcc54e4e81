/**
 * Encrypted local state on any `StorageBackend`.
 *
 * - A random 32-byte DATA KEY encrypts everything; it is stored only wrapped under a KEK derived
 *   from the passphrase (see key-wrapper.ts for the KDF). Changing the passphrase rewraps the data
 *   key (one header write); records are untouched.
 * - VALUES: version(1) || nonce(12) || AES-256-GCM(recordKey, nonce, plaintext, aad) with a random
 *   96-bit nonce (2^-32 collision bound after ~2^32 writes per data key; far beyond a messenger's
 *   lifetime) and aad = "sotto-rec-v1" || len(table) || table || storedKey, so a record flipped,
 *   swapped with another or moved to another key/table fails with `CorruptRecord`.
 * - KEYS are `StoreKey`s: arrays of parts. Strings and byte parts (contact ids, conversation ids,
 *   addresses…) are BLINDED: HMAC-SHA256(blindKey, table, position, part) truncated to 16 bytes, so
 *   the files do not reveal who you talk to. Number parts are 8-byte big-endian and stay in the
 *   clear, so order is preserved inside a prefix: [conversationId, seq] sorts by seq within one
 *   conversation. Fixed-width parts make a key prefix an encoded-byte prefix (range scans work).
 * - recordKey and blindKey are HKDF-SHA256 subkeys of the data key (separate purposes, one secret).
 * - lock()/close() zeroise the data key and subkeys; afterwards every call fails with `Locked`.
 *
 * What it does NOT hide: table names, record counts and sizes, numeric key parts (sequence numbers,
 * prekey ids), write timing; and it does not detect ROLLBACK of a record to an older ciphertext of
 * the same key (an attacker with the files and an old copy can restore it).
 */
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import type { StorageBackend } from './backend.js';
import {
  BLIND_BYTES,
  HEADER_KEY,
  HEADER_TABLE,
  RECORD_NONCE_BYTES,
  checkKeyShape,
  checkUserTable,
  keyPartInputs,
  packRecord,
  recordAad,
  unpackRecord,
} from './record-format.js';
import { concatBytes, utf8, zeroise } from './bytes.js';
import { StorageError } from './errors.js';
import { decodeHeader, encodeHeader, encodeHeaderAad } from './header.js';
import {
  DATA_KEY_BYTES,
  DEFAULT_KDF_COST,
  scryptKeyWrapper,
  WRAP_NONCE_BYTES,
  type KdfCost,
  type KdfParams,
  type KeyWrapperFactory,
} from './key-wrapper.js';

/** One part of a structured key: strings/bytes are blinded, numbers (u64) kept ordered. */
export type KeyPart = string | number | Uint8Array;
export type StoreKey = readonly KeyPart[];

export type StoreOp =
  | { op: 'put'; table: string; key: StoreKey; value: Uint8Array }
  | { op: 'delete'; table: string; key: StoreKey };

export interface StoreEntry {
  /** The encoded (blinded) key as stored; opaque, but ordered and usable as a cursor via `decodeNumberAt`. */
  key: Uint8Array;
  value: Uint8Array;
}

export interface ScanOptions {
  /** Inclusive lower bound, a full key (same table). */
  gte?: StoreKey;
  /** Exclusive upper bound, a full key. */
  lt?: StoreKey;
  reverse?: boolean;
  limit?: number;
}

export interface EncryptedStoreOptions {
  /** KDF cost for `create` / `changePassphrase` (default: 64 MiB scrypt). */
  kdfCost?: KdfCost;
  /** CSPRNG (injectable for tests); default globalThis.crypto via noble. */
  random?: (length: number) => Uint8Array;
  /** How the KEK is held (default: raw bytes + noble; the browser passes a WebCrypto one). */
  keyWrapper?: KeyWrapperFactory;
}

export class EncryptedStore {
  private recordKey: Uint8Array | undefined;
  private blindKey: Uint8Array | undefined;
  private dataKey: Uint8Array | undefined;

  private constructor(
    private readonly backend: StorageBackend,
    dataKey: Uint8Array,
    private readonly random: (length: number) => Uint8Array,
    private readonly factory: KeyWrapperFactory,
    private readonly cost: KdfCost,
  ) {
    this.dataKey = dataKey;
    this.recordKey = hkdf(sha256, dataKey, new Uint8Array(0), utf8('sotto store v1 record key'), 32);
    this.blindKey = hkdf(sha256, dataKey, new Uint8Array(0), utf8('sotto store v1 blind key'), 32);
  }

  /** True when the backend already holds a store header. */
  static async isInitialized(backend: StorageBackend): Promise<boolean> {
    return (await backend.get(HEADER_TABLE, HEADER_KEY)) !== undefined;
  }

  /** Initialises a new store: fresh data key, wrapped under `passphrase`. */
  static async create(
    backend: StorageBackend,
    passphrase: string,
    options: EncryptedStoreOptions = {},
  ): Promise<EncryptedStore> {
    if (await EncryptedStore.isInitialized(backend)) {
      throw new StorageError('AlreadyInitialized', 'store already initialised');
    }
    const random = options.random ?? randomBytes;
    const factory = options.keyWrapper ?? scryptKeyWrapper;
    const cost = options.kdfCost ?? DEFAULT_KDF_COST;
    const dataKey = random(DATA_KEY_BYTES);
    if (dataKey.length !== DATA_KEY_BYTES)
      throw new StorageError('InvalidArgument', 'random() returned the wrong length');
    const store = new EncryptedStore(backend, dataKey.slice(), random, factory, cost);
    zeroise(dataKey);
    await store.writeHeader(passphrase, cost);
    return store;
  }

  /** Unlocks an existing store; `WrongPassphrase` when the passphrase does not unwrap the key. */
  static async open(
    backend: StorageBackend,
    passphrase: string,
    options: EncryptedStoreOptions = {},
  ): Promise<EncryptedStore> {
    const raw = await backend.get(HEADER_TABLE, HEADER_KEY);
    if (raw === undefined) throw new StorageError('NotInitialized', 'no store here');
    const header = decodeHeader(raw);
    const factory = options.keyWrapper ?? scryptKeyWrapper;
    const wrapper = await factory(passphrase, header.kdf);
    let dataKey: Uint8Array;
    try {
      dataKey = await wrapper.unwrap(header.wrappedKey, encodeHeaderAad(header.kdf));
    } finally {
      wrapper.destroy();
    }
    const cost: KdfCost = options.kdfCost ?? {
      alg: 'scrypt',
      log2N: header.kdf.log2N,
      r: header.kdf.r,
      p: header.kdf.p,
    };
    return new EncryptedStore(backend, dataKey, options.random ?? randomBytes, factory, cost);
  }

  /** Rewraps the data key under a new passphrase (and optionally a new KDF cost); records untouched. */
  async changePassphrase(newPassphrase: string, cost: KdfCost = this.cost): Promise<void> {
    await this.writeHeader(newPassphrase, cost);
  }

  /** The KDF parameters currently in the header (for "raise the cost" checks). */
  async kdfParams(): Promise<KdfParams> {
    const raw = await this.backend.get(HEADER_TABLE, HEADER_KEY);
    if (raw === undefined) throw new StorageError('NotInitialized', 'no store here');
    return decodeHeader(raw).kdf;
  }

  private async writeHeader(passphrase: string, cost: KdfCost): Promise<void> {
    const dataKey = this.keys().dataKey;
    const kdf: KdfParams = { ...cost, salt: this.random(16) };
    const wrapper = await this.factory(passphrase, kdf);
    try {
      const wrappedKey = await wrapper.wrap(dataKey, encodeHeaderAad(kdf), this.random(WRAP_NONCE_BYTES));
      await this.backend.put(HEADER_TABLE, HEADER_KEY, encodeHeader({ kdf, wrappedKey }));
    } finally {
      wrapper.destroy();
    }
  }

  private keys(): { dataKey: Uint8Array; recordKey: Uint8Array; blindKey: Uint8Array } {
    if (this.dataKey === undefined || this.recordKey === undefined || this.blindKey === undefined) {
      throw new StorageError('Locked', 'store is locked');
    }
    return { dataKey: this.dataKey, recordKey: this.recordKey, blindKey: this.blindKey };
  }

  get locked(): boolean {
    return this.dataKey === undefined;
  }

  /** Encodes a structured key for `table` (blinding string/byte parts). Exposed for tests and cursors. */
  encodeKey(table: string, key: StoreKey): Uint8Array {
    checkKeyShape(table, key);
    const { blindKey } = this.keys();
    const inputs = keyPartInputs(table, key);
    return concatBytes(
      ...inputs.map((p) =>
        'clear' in p ? p.clear : hmac(sha256, blindKey, p.blind).subarray(0, BLIND_BYTES),
      ),
    );
  }

  private seal(table: string, storedKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (!(plaintext instanceof Uint8Array))
      throw new StorageError('InvalidArgument', '"value" expected bytes');
    const { recordKey } = this.keys();
    const nonce = this.random(RECORD_NONCE_BYTES);
    return packRecord(nonce, gcm(recordKey, nonce, recordAad(table, storedKey)).encrypt(plaintext));
  }

  private unseal(table: string, storedKey: Uint8Array, sealed: Uint8Array): Uint8Array {
    const { recordKey } = this.keys();
    const record = unpackRecord(table, sealed);
    try {
      return gcm(recordKey, record.nonce, recordAad(table, storedKey)).decrypt(record.sealed);
    } catch {
      throw new StorageError('CorruptRecord', `corrupt record in table ${table}`);
    }
  }

  async get(table: string, key: StoreKey): Promise<Uint8Array | undefined> {
    const k = this.encodeKey(table, key);
    const sealed = await this.backend.get(table, k);
    return sealed === undefined ? undefined : this.unseal(table, k, sealed);
  }

  async put(table: string, key: StoreKey, value: Uint8Array): Promise<void> {
    await this.batch([{ op: 'put', table, key, value }]);
  }

  async delete(table: string, key: StoreKey): Promise<void> {
    await this.batch([{ op: 'delete', table, key }]);
  }

  /** Atomic: every op or none (across tables). */
  async batch(ops: readonly StoreOp[]): Promise<void> {
    const encoded = ops.map((op) => {
      const key = this.encodeKey(op.table, op.key);
      return op.op === 'put'
        ? { op: 'put' as const, table: op.table, key, value: this.seal(op.table, key, op.value) }
        : { op: 'delete' as const, table: op.table, key };
    });
    await this.backend.batch(encoded);
  }

  /** Entries whose key starts with `prefix` (all when empty), in key order; values decrypted. */
  async scan(table: string, prefix: StoreKey = [], options: ScanOptions = {}): Promise<StoreEntry[]> {
    const p = this.encodeKey(table, prefix);
    const rows = await this.backend.range(table, {
      ...(p.length > 0 ? { prefix: p } : {}),
      ...(options.gte !== undefined ? { gte: this.encodeKey(table, options.gte) } : {}),
      ...(options.lt !== undefined ? { lt: this.encodeKey(table, options.lt) } : {}),
      ...(options.reverse !== undefined ? { reverse: options.reverse } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
    });
    return rows.map((r) => ({ key: r.key, value: this.unseal(table, r.key, r.value) }));
  }

  async count(table: string): Promise<number> {
    checkUserTable(table);
    this.keys();
    return this.backend.count(table);
  }

  /** Zeroises the keys; the store refuses every operation until reopened with the passphrase. */
  lock(): void {
    zeroise(this.dataKey, this.recordKey, this.blindKey);
    this.dataKey = undefined;
    this.recordKey = undefined;
    this.blindKey = undefined;
  }

  /** lock() and close the backend. */
  async close(): Promise<void> {
    this.lock();
    await this.backend.close();
  }
}
