/**
 * Builds a `Messenger` for the browser: IndexedDB for storage, the WebCrypto key wrapper for the KEK,
 * the page's own WebSocket and fetch. The protocol's CryptoProvider is synchronous, so per-message
 * primitives use @sotto/protocol's default portable (noble) provider (see docs/web.md).
 */
import { EncryptedStore, Messenger } from '@sotto/client';
import type { FetchLike, WebSocketCtor } from '@sotto/wire';
import { IdbBackend } from './idb-backend.js';
import { browserKeyWrapper, forgetKekInfo } from './key-wrapper.js';

export const DB_NAME = 'sotto';

/** True when this browser already holds an account (the store header exists). */
export async function hasAccount(dbName = DB_NAME): Promise<boolean> {
  const backend = await IdbBackend.open(dbName);
  try {
    return await EncryptedStore.isInitialized(backend);
  } finally {
    await backend.close();
  }
}

function platform() {
  return {
    WebSocket: globalThis.WebSocket as unknown as WebSocketCtor,
    fetch: globalThis.fetch.bind(globalThis) as unknown as FetchLike,
    storeOptions: { keyWrapper: browserKeyWrapper },
  };
}

/** Creates the account on `relayUrl`. On failure the backend is closed and the error rethrown. */
export async function createMessenger(
  passphrase: string,
  relayUrl: string,
  username: string | undefined,
  dbName = DB_NAME,
): Promise<Messenger> {
  const backend = await IdbBackend.open(dbName);
  try {
    return await Messenger.create({
      backend,
      passphrase,
      relayUrl,
      ...(username !== undefined && username !== '' ? { username } : {}),
      ...platform(),
    });
  } catch (e) {
    forgetKekInfo();
    await backend.close();
    throw e;
  }
}

/** Unlocks the existing account. A wrong passphrase throws `MessengerError('WrongPassphrase')`. */
export async function openMessenger(passphrase: string, dbName = DB_NAME): Promise<Messenger> {
  const backend = await IdbBackend.open(dbName);
  try {
    return await Messenger.open({ backend, passphrase, ...platform() });
  } catch (e) {
    forgetKekInfo();
    await backend.close();
    throw e;
  }
}
