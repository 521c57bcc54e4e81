/**
 * The unlocked session's store, so Settings (and the browser tests, through the UI) can show what
 * kind of keys are held. Only descriptions leave this module — never a key. Locking closes the
 * Messenger, which closes (locks) the store; `forgetSession` drops the reference too.
 */
import { describeKey, type KeyInfo } from './store-keys.js';
import type { WebCryptoStore } from './webcrypto-store.js';

let current: WebCryptoStore | undefined;

export function setSessionStore(store: WebCryptoStore): void {
  current = store;
}

export function forgetSession(): void {
  current = undefined;
}

export interface SessionKeyInfo {
  /** The passphrase key used at unlock (already dropped). */
  kek: KeyInfo;
  /** Held while unlocked: AES-GCM for records, HMAC for blinded record keys. */
  record: KeyInfo;
  blind: KeyInfo;
}

/** Undefined when locked. */
export function sessionKeyInfo(): SessionKeyInfo | undefined {
  const keys = current?.heldKeys();
  if (current === undefined || keys === undefined) return undefined;
  return { kek: current.kekInfo, record: describeKey(keys.record), blind: describeKey(keys.blind) };
}
