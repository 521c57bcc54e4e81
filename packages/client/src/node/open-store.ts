/**
 * Node convenience: an `EncryptedStore` over a SQLite file, created on first use.
 *
 *   const store = await openSqliteStore({ path: join(home, 'state.db'), passphrase });
 */
import { EncryptedStore, type EncryptedStoreOptions } from '../storage/encrypted-store.js';
import { SqliteBackend } from './sqlite-backend.js';

export interface OpenSqliteStoreOptions extends EncryptedStoreOptions {
  path: string;
  passphrase: string;
  /** 'open' fails with NotInitialized when there is no store; 'create' fails with AlreadyInitialized; default 'openOrCreate'. */
  mode?: 'open' | 'create' | 'openOrCreate';
}

export async function openSqliteStore(options: OpenSqliteStoreOptions): Promise<EncryptedStore> {
  const { path, passphrase, mode = 'openOrCreate', ...storeOptions } = options;
  const backend = new SqliteBackend(path);
  try {
    const create =
      mode === 'create' || (mode === 'openOrCreate' && !(await EncryptedStore.isInitialized(backend)));
    return create
      ? await EncryptedStore.create(backend, passphrase, storeOptions)
      : await EncryptedStore.open(backend, passphrase, storeOptions);
  } catch (e) {
    await backend.close();
    throw e;
  }
}
