/**
 * The browser's encrypted store: @sotto/client's `EncryptedStore` format, byte for byte (same
 * header, same record layout "v1 || nonce || AES-GCM(recordKey, nonce, value, aad)", same blinded
 * keys HMAC(blindKey, …)[:16]), but every key held as a NON-EXTRACTABLE WebCrypto CryptoKey
 * (store-keys.ts). Script in the page can still ask WebCrypto to USE the keys while the app is
 * unlocked — but it cannot read them, so it cannot carry them away for later.
 *
 * Why a second implementation instead of `EncryptedStore`: that class encrypts with the synchronous
 * noble AES-GCM/HMAC (its `encodeKey` is synchronous and public), so it must hold the key bytes.
 * WebCrypto is asynchronous. Everything the Messenger needs is already async (its storage port is
 * the async `KvStore`; `EncryptedKv` adapts this store to it), so only the store changes. The
 * browser tests prove the two are interchangeable on the same IndexedDB data.
 *
 * Differences from `EncryptedStore`: `encodeKey` is async; `changePassphrase` needs the OLD
 * passphrase too (a non-extractable data key cannot be rewrapped, so it is unwrapped again from
 * the header, briefly as bytes, and zeroised).
 */
import {
  BLIND_BYTES,
  checkKeyShape,
  checkUserTable,
  concatBytes,
  HEADER_KEY,
  HEADER_TABLE,
  keyPartInputs,
  packRecord,
  RECORD_NONCE_BYTES,
  recordAad,
  unpackRecord,
  DATA_KEY_BYTES,
  decodeHeader,
  DEFAULT_KDF_COST,
  deriveKek,
  EncryptedStore,
  encodeHeader,
  StorageError,
  WRAP_NONCE_BYTES,
  type KdfCost,
  type KdfParams,
  type ScanOptions,
  type StorageBackend,
  type StoreEntry,
  type StoreKey,
  type StoreOp,
} from '@sotto/client';
import {
  blindMac,
  keysFromDataKey,
  openBytes,
  sealBytes,
  unlockKeys,
  unwrapDataKeyBytes,
  wrapDataKey,
  type HeldKeys,
  type KekDeriver,
  type KeyInfo,
} from './store-keys.js';

export interface WebCryptoStoreOptions {
  /** KDF cost for `create` / `changePassphrase` (default: 64 MiB scrypt). */
  kdfCost?: KdfCost;
  /** CSPRNG (tests inject one to check the data-key bytes were zeroised). */
  random?: (length: number) => Uint8Array;
  /** scrypt (tests inject one to check the KEK bytes were zeroised). */
  deriveKek?: KekDeriver;
}

function defaultRandom(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

export class WebCryptoStore {
  private keys: HeldKeys | undefined;

  private constructor(
    private readonly backend: StorageBackend,
    keys: HeldKeys,
    private readonly random: (length: number) => Uint8Array,
    private readonly derive: KekDeriver,
    private readonly cost: KdfCost,
    /** The KEK used to unlock (already dropped): what kind of key it was. */
    readonly kekInfo: KeyInfo,
  ) {
    this.keys = keys;
  }

  static isInitialized(backend: StorageBackend): Promise<boolean> {
    return EncryptedStore.isInitialized(backend);
  }

  /** A new store: fresh data key, wrapped under `passphrase`; only CryptoKeys are kept. */
  static async create(
    backend: StorageBackend,
    passphrase: string,
    options: WebCryptoStoreOptions = {},
  ): Promise<WebCryptoStore> {
    if (await EncryptedStore.isInitialized(backend))
      throw new StorageError('AlreadyInitialized', 'store already initialised');
    const random = options.random ?? defaultRandom;
    const derive = options.deriveKek ?? deriveKek;
    const cost = options.kdfCost ?? DEFAULT_KDF_COST;
    const dataKey = random(DATA_KEY_BYTES);
    try {
      if (dataKey.length !== DATA_KEY_BYTES)
        throw new StorageError('InvalidArgument', 'random() returned the wrong length');
      const kdf: KdfParams = { ...cost, salt: random(16) };
      const { wrappedKey, kek } = await wrapDataKey(
        dataKey,
        passphrase,
        kdf,
        random(WRAP_NONCE_BYTES),
        derive,
      );
      const keys = await keysFromDataKey(dataKey); // zeroises dataKey
      await backend.put(HEADER_TABLE, HEADER_KEY, encodeHeader({ kdf, wrappedKey }));
      return new WebCryptoStore(backend, keys, random, derive, cost, kek);
    } finally {
      dataKey.fill(0);
    }
  }

  /** Unlocks an existing store (made by this class or by `EncryptedStore`). */
  static async open(
    backend: StorageBackend,
    passphrase: string,
    options: WebCryptoStoreOptions = {},
  ): Promise<WebCryptoStore> {
    const raw = await backend.get(HEADER_TABLE, HEADER_KEY);
    if (raw === undefined) throw new StorageError('NotInitialized', 'no store here');
    const { kdf, wrappedKey } = decodeHeader(raw);
    const derive = options.deriveKek ?? deriveKek;
    const { keys, kek } = await unlockKeys(wrappedKey, passphrase, kdf, derive);
    const cost: KdfCost = options.kdfCost ?? { alg: 'scrypt', log2N: kdf.log2N, r: kdf.r, p: kdf.p };
    return new WebCryptoStore(backend, keys, options.random ?? defaultRandom, derive, cost, kek);
  }

  /** Rewraps the data key under `newPassphrase`; needs the current one (see the file comment). */
  async changePassphrase(
    oldPassphrase: string,
    newPassphrase: string,
    cost: KdfCost = this.cost,
  ): Promise<void> {
    this.held();
    const raw = await this.backend.get(HEADER_TABLE, HEADER_KEY);
    if (raw === undefined) throw new StorageError('NotInitialized', 'no store here');
    const header = decodeHeader(raw);
    const dataKey = await unwrapDataKeyBytes(header.wrappedKey, oldPassphrase, header.kdf, this.derive);
    try {
      const kdf: KdfParams = { ...cost, salt: this.random(16) };
      const { wrappedKey } = await wrapDataKey(
        dataKey,
        newPassphrase,
        kdf,
        this.random(WRAP_NONCE_BYTES),
        this.derive,
      );
      await this.backend.put(HEADER_TABLE, HEADER_KEY, encodeHeader({ kdf, wrappedKey }));
    } finally {
      dataKey.fill(0);
    }
  }

  private held(): HeldKeys {
    if (this.keys === undefined) throw new StorageError('Locked', 'store is locked');
    return this.keys;
  }

  get locked(): boolean {
    return this.keys === undefined;
  }

  /** What is held, for the settings screen and the tests (the CryptoKeys themselves). */
  heldKeys(): HeldKeys | undefined {
    return this.keys;
  }

  /** The stored (blinded) key for `key` in `table`: the same bytes `EncryptedStore.encodeKey` gives. */
  async encodeKey(table: string, key: StoreKey): Promise<Uint8Array> {
    checkKeyShape(table, key);
    const keys = this.held();
    const inputs = keyPartInputs(table, key);
    const parts = await Promise.all(
      inputs.map(async (p) =>
        'clear' in p ? p.clear : (await blindMac(keys, p.blind)).subarray(0, BLIND_BYTES),
      ),
    );
    return concatBytes(...parts);
  }

  private async seal(table: string, storedKey: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    if (!(plaintext instanceof Uint8Array))
      throw new StorageError('InvalidArgument', '"value" expected bytes');
    const keys = this.held();
    const nonce = this.random(RECORD_NONCE_BYTES);
    return packRecord(nonce, await sealBytes(keys, nonce, recordAad(table, storedKey), plaintext));
  }

  private async unseal(table: string, storedKey: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
    const keys = this.held();
    const record = unpackRecord(table, sealed);
    try {
      return await openBytes(keys, record.nonce, recordAad(table, storedKey), record.sealed);
    } catch {
      throw new StorageError('CorruptRecord', `corrupt record in table ${table}`);
    }
  }

  async get(table: string, key: StoreKey): Promise<Uint8Array | undefined> {
    const k = await this.encodeKey(table, key);
    const sealed = await this.backend.get(table, k);
    return sealed === undefined ? undefined : this.unseal(table, k, sealed);
  }

  async put(table: string, key: StoreKey, value: Uint8Array): Promise<void> {
    await this.batch([{ op: 'put', table, key, value }]);
  }

  async delete(table: string, key: StoreKey): Promise<void> {
    await this.batch([{ op: 'delete', table, key }]);
  }

  /** Atomic: everything is encrypted first, then written in ONE backend batch (all or nothing). */
  async batch(ops: readonly StoreOp[]): Promise<void> {
    const encoded = await Promise.all(
      ops.map(async (op) => {
        const key = await this.encodeKey(op.table, op.key);
        return op.op === 'put'
          ? { op: 'put' as const, table: op.table, key, value: await this.seal(op.table, key, op.value) }
          : { op: 'delete' as const, table: op.table, key };
      }),
    );
    await this.backend.batch(encoded);
  }

  /** Entries whose key starts with `prefix` (all when empty), in key order; values decrypted. */
  async scan(table: string, prefix: StoreKey = [], options: ScanOptions = {}): Promise<StoreEntry[]> {
    const p = await this.encodeKey(table, prefix);
    const rows = await this.backend.range(table, {
      ...(p.length > 0 ? { prefix: p } : {}),
      ...(options.gte !== undefined ? { gte: await this.encodeKey(table, options.gte) } : {}),
      ...(options.lt !== undefined ? { lt: await this.encodeKey(table, options.lt) } : {}),
      ...(options.reverse !== undefined ? { reverse: options.reverse } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
    });
    return Promise.all(
      rows.map(async (r) => ({ key: r.key, value: await this.unseal(table, r.key, r.value) })),
    );
  }

  async count(table: string): Promise<number> {
    checkUserTable(table);
    this.held();
    return this.backend.count(table);
  }

  /**
   * Drops the CryptoKeys; every call fails with `Locked` afterwards. (A CryptoKey cannot be
   * overwritten from script; once unreferenced, the browser frees its key material.)
   */
  lock(): void {
    this.keys = undefined;
  }

  async close(): Promise<void> {
    this.lock();
    await this.backend.close();
  }
}
