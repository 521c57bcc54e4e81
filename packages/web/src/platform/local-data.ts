/**
 * Deleting the account: first on the relay (`Messenger.deleteAccount`: every device, key and queued
 * envelope; the username is freed; the Messenger closes), then everything this web client keeps in
 * the browser. That is exactly one IndexedDB database, `DB_NAME` ("sotto", one object store `kv`,
 * see idb-backend.ts), holding the encrypted store. The app writes nothing to localStorage,
 * sessionStorage, Cache Storage or cookies, and registers no service worker. The one-tab Web Lock
 * (tab-lock.ts) is no storage; it is held until the database is gone, so no other tab can open the
 * store half-erased, and released then.
 */
import { MessengerError, type Messenger } from '@sotto/client';
import { IdbBackend } from './idb-backend.js';
import { DB_NAME } from './messenger-factory.js';
import { forgetSession } from './session-keys.js';
import { releaseTabLock } from './tab-lock.js';

/** Every IndexedDB database the app creates. */
export const LOCAL_DATABASES: readonly string[] = [DB_NAME];

/**
 * Step 1: deletes the account on the relay and closes the Messenger (and with it the store's
 * connection to IndexedDB). Throws the Messenger's error, e.g. RelayUnreachable, with nothing
 * changed: the account and this browser's data are both still there, and the Messenger still open.
 */
export async function deleteAccountOnRelay(m: Messenger): Promise<void> {
  await m.deleteAccount();
  forgetSession();
}

/**
 * Step 2 (after step 1 succeeded): deletes every database of the app, waiting until each is gone,
 * then releases the tab lock. `onBlocked`: a connection still holds a database open, so the deletion
 * waits for it to close. Throws `MessengerError('StorageFailed')` if the browser refuses; the tab lock
 * is then kept and this can be called again.
 */
export async function eraseThisBrowser(
  onBlocked?: () => void,
  databases: readonly string[] = LOCAL_DATABASES,
): Promise<void> {
  try {
    for (const name of databases) await IdbBackend.destroy(name, onBlocked);
  } catch (e) {
    throw new MessengerError('StorageFailed', "this browser's data could not be erased", { cause: e });
  }
  releaseTabLock();
}
