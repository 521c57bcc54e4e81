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
  /** Raw bytes of everything the adapter persisted (files, or a dump for in-memory adapters). */
  persistedBytes(): Promise<Uint8Array[]>;
  /** Flush pending writes to the persisted form (e.g. WAL checkpoint); optional. */
  flush?(): Promise<void>;
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
