/**
 * What an adapter under test provides to the client-store conformance suite.
 */
import type {
  EncryptedStoreOptions,
  ScanOptions,
  StorageBackend,
  StoreEntry,
  StoreKey,
  StoreOp,
} from '@sotto/client';

export interface BackendHarness {
  /** Adapter name for test titles. */
  name: string;
  /** Opens the backend; after `reopen` a durable backend sees the same data. */
  open(): Promise<StorageBackend>;
  /** True when data survives close + open (SQLite, IndexedDB). */
  durable: boolean;
  /**
   * Raw bytes of everything the adapter persisted right now (for SQLite: the db, -wal and -shm
   * files; for in-memory adapters: a dump), callable while a backend is open or after close.
   */
  persistedBytes(): Promise<Uint8Array[]>;
  /** Releases files and resources. */
  cleanup(): Promise<void>;
}

/**
 * What the suite uses of an encrypted store: `EncryptedStore` (@sotto/client), or an equivalent
 * with the same format whose keys live elsewhere (the browser's WebCrypto store, whose `encodeKey`
 * is asynchronous).
 */
export interface EncryptedStoreLike {
  get(table: string, key: StoreKey): Promise<Uint8Array | undefined>;
  put(table: string, key: StoreKey, value: Uint8Array): Promise<void>;
  delete(table: string, key: StoreKey): Promise<void>;
  batch(ops: readonly StoreOp[]): Promise<void>;
  scan(table: string, prefix?: StoreKey, options?: ScanOptions): Promise<StoreEntry[]>;
  encodeKey(table: string, key: StoreKey): Uint8Array | Promise<Uint8Array>;
  changePassphrase(newPassphrase: string): Promise<void>;
  lock(): void;
}

/** The encrypted store's constructor surface, injected so testkit needs no runtime dependency. */
export interface EncryptedStoreClass {
  create(
    backend: StorageBackend,
    passphrase: string,
    options?: EncryptedStoreOptions,
  ): Promise<EncryptedStoreLike>;
  open(
    backend: StorageBackend,
    passphrase: string,
    options?: EncryptedStoreOptions,
  ): Promise<EncryptedStoreLike>;
}

export type HarnessFactory = () => Promise<BackendHarness>;
