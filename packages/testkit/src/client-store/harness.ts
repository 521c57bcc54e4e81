/**
 * What an adapter under test provides to the client-store conformance suite.
 */
import type { EncryptedStore, EncryptedStoreOptions, StorageBackend } from '@sotto/client';

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

/** The encrypted store's constructor surface, injected so testkit needs no runtime dependency. */
export interface EncryptedStoreClass {
  create(
    backend: StorageBackend,
    passphrase: string,
    options?: EncryptedStoreOptions,
  ): Promise<EncryptedStore>;
  open(backend: StorageBackend, passphrase: string, options?: EncryptedStoreOptions): Promise<EncryptedStore>;
}

export type HarnessFactory = () => Promise<BackendHarness>;
