/**
 * Deleting the account: first on the relay (`Messenger.deleteAccount`: every device, key and queued
 * envelope; the username is freed; the Messenger closes), then everything this web client keeps in
 * the browser. That is exactly one IndexedDB database, `DB_NAME` ("sotto", one object store `kv`,
 * see idb-backend.ts), holding the encrypted store. The app writes nothing to localStorage,
 * sessionStorage, Cache Storage or cookies, and registers no service worker. The one-tab Web Lock
 * (tab-lock.ts) is no storage; it is held until the database is gone, so no other tab can open the
 * store half-erased, and released then.
 *
 * If the relay no longer knows this device (the account, or this device, was deleted from another
 * device) step 1 cannot succeed, and there is nothing left to delete there from here: only step 2 is
 * left, after `closeSession` has closed the still-open Messenger.
 */
import { MessengerError, type Messenger } from '@sotto/client';
import { RelayError } from '@sotto/wire';
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
 * Did step 1 fail because the relay no longer recognises this device's credentials (401
 * Unauthorized: the account or this device was deleted from another device)? Only this refusal
 * makes erasing this browser the way on; every other failure changed nothing and keeps the account.
 */
export function relayForgotThisDevice(e: unknown): boolean {
  return (
    MessengerError.is(e) &&
    e.code === 'RelayRejected' &&
    RelayError.is(e.cause) &&
    e.cause.code === 'Unauthorized'
  );
}

/**
 * Closes the Messenger (a no-op once step 1 succeeded, which closed it) and drops the session before
 * step 2. Otherwise its relay socket, outbox and timers would keep running behind setup, against a
 * store whose database is gone (its IndexedDB connection itself steps aside on `versionchange`).
 */
export async function closeSession(m: Messenger): Promise<void> {
  await m.close();
  forgetSession();
}

/**
 * Step 2 (after step 1 succeeded, or the relay no longer knows this device; after `closeSession`):
 * deletes every database of the app, waiting until each is gone, then releases the tab lock.
 * `onBlocked`: a connection still holds a database open, so the deletion waits for it to close.
 * Throws `MessengerError('StorageFailed')` if the browser refuses; the tab lock is then kept and this
 * can be called again.
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
