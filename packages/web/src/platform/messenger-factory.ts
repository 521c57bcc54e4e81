/**
 * Builds a `Messenger` for the browser: IndexedDB for storage, encrypted by `WebCryptoStore` (every
 * store key a non-extractable CryptoKey), adapted to the Messenger's async `KvStore` port by the
 * client's `EncryptedKv`; the page's own WebSocket and fetch. The protocol's CryptoProvider is
 * synchronous, so per-message primitives use @sotto/protocol's default portable (noble) provider
 * (see docs/web.md).
 */
import { EncryptedKv, Messenger, MessengerError, storeOpenFailure } from '@sotto/client';
import type { FetchLike, WebSocketCtor } from '@sotto/wire';
import { IdbBackend } from './idb-backend.js';
import { forgetSession, setSessionStore } from './session-keys.js';
import { holdTabLock, releaseTabLock, TabLockError } from './tab-lock.js';
import { WebCryptoStore } from './webcrypto-store.js';

export const DB_NAME = 'sotto';

/** True when this browser already holds an account (the store header exists). */
export async function hasAccount(dbName = DB_NAME): Promise<boolean> {
  const backend = await IdbBackend.open(dbName);
  try {
    return await WebCryptoStore.isInitialized(backend);
  } finally {
    await backend.close();
  }
}

function platform() {
  return {
    WebSocket: globalThis.WebSocket as unknown as WebSocketCtor,
    fetch: globalThis.fetch.bind(globalThis) as unknown as FetchLike,
  };
}

async function withStore(
  dbName: string,
  unlock: (backend: IdbBackend) => Promise<WebCryptoStore>,
  start: (kv: EncryptedKv) => Promise<Messenger>,
): Promise<Messenger> {
  // Held while the Messenger is open; the app releases it on lock (see tab-lock.ts).
  if (!(await holdTabLock())) throw new TabLockError();
  const backend = await IdbBackend.open(dbName);
  let store: WebCryptoStore;
  try {
    store = await unlock(backend);
  } catch (e) {
    await backend.close();
    releaseTabLock();
    throw storeOpenFailure(e);
  }
  try {
    const m = await start(new EncryptedKv(store));
    setSessionStore(store);
    return m;
  } catch (e) {
    await store.close().catch(() => undefined);
    releaseTabLock();
    throw e;
  }
}

/** Creates the account on `relayUrl`. On failure the store is closed and the error rethrown. */
export function createMessenger(
  passphrase: string,
  relayUrl: string,
  username: string | undefined,
  dbName = DB_NAME,
): Promise<Messenger> {
  return withStore(
    dbName,
    (backend) => WebCryptoStore.create(backend, passphrase),
    (store) =>
      Messenger.create({
        store,
        relayUrl,
        ...(username !== undefined && username !== '' ? { username } : {}),
        ...platform(),
      }),
  );
}

/**
 * Makes this browser a new device of an existing account, from the link another device sealed to
 * this browser's request (already opened: link-setup.tsx). Like createMessenger, the store is written
 * before the relay is contacted; after a failure discardUnfinishedAccount removes it again.
 */
export function linkMessenger(
  passphrase: string,
  deviceLink: Uint8Array,
  dbName = DB_NAME,
): Promise<Messenger> {
  return withStore(
    dbName,
    (backend) => WebCryptoStore.create(backend, passphrase),
    (store) => Messenger.link({ store, deviceLink, ...platform() }),
  );
}

/** Unlocks the existing account. A wrong passphrase throws `MessengerError('WrongPassphrase')`. */
export function openMessenger(passphrase: string, dbName = DB_NAME): Promise<Messenger> {
  return withStore(
    dbName,
    (backend) => WebCryptoStore.open(backend, passphrase),
    (store) => Messenger.open({ store, ...platform() }),
  );
}

/**
 * After a failed `createMessenger` (or `linkMessenger`): the encrypted store was written before the relay was contacted,
 * so it may exist WITHOUT an account (relay unreachable, or it refused). Such a store is deleted, so
 * that setup can simply be tried again (before, every later attempt said "already holds an account"
 * and unlocking said "no account"). A store that does hold the account (only its username or the key
 * upload failed) is kept. Returns true when an account is kept.
 */
export async function discardUnfinishedAccount(passphrase: string, dbName = DB_NAME): Promise<boolean> {
  if (!(await hasAccount(dbName))) return false;
  let m: Messenger;
  try {
    m = await openMessenger(passphrase, dbName);
  } catch (e) {
    if (!(MessengerError.is(e) && e.code === 'NoAccount')) throw e;
    await IdbBackend.destroy(dbName);
    return false;
  }
  await m.close();
  forgetSession();
  releaseTabLock();
  return true;
}

/**
 * Deletes the database after `openMessenger` said NoAccount: the passphrase opened the store, and it
 * holds no account (setup was cut short before the relay registered one), so nothing is lost.
 */
export function deleteUnfinishedStore(dbName = DB_NAME): Promise<void> {
  return IdbBackend.destroy(dbName);
}
