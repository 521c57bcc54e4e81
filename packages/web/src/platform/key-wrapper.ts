/**
 * The browser's key wrapper: scrypt derives the KEK from the passphrase (the same KDF and header
 * parameters as every Sotto store), and the KEK is imported at once as a NON-EXTRACTABLE WebCrypto
 * AES-GCM key; the raw bytes are zeroised right after import, so from then on no script (ours or
 * injected) can read the KEK back, only ask WebCrypto to use it.
 *
 * The implementation is @sotto/client's `WebCryptoKeyWrapper` (same wrapped format as the Node
 * client's). `EncryptedStore` uses the KEK only to unwrap (or rewrap) the data key and then destroys
 * the wrapper, so the KEK is not kept at all while the app is unlocked; the DATA key is then held by
 * the store as bytes in JS memory (its records use the synchronous noble AES-GCM) — docs/web.md says
 * so. This module also records what kind of key the last derivation produced, for the settings
 * screen and the browser tests.
 */
import { WebCryptoKeyWrapper, deriveKek, type KeyWrapperFactory } from '@sotto/client';

export interface KekInfo {
  algorithm: string;
  extractable: boolean;
  usages: readonly string[];
}

let lastKek: KekInfo | undefined;

/** `EncryptedStoreOptions.keyWrapper` for the browser. */
export const browserKeyWrapper: KeyWrapperFactory = async (passphrase, params) => {
  const wrapper = await WebCryptoKeyWrapper.fromKek(await deriveKek(passphrase, params));
  const key = wrapper.cryptoKey as CryptoKey | undefined;
  if (key !== undefined) {
    lastKek = { algorithm: key.algorithm.name, extractable: key.extractable, usages: [...key.usages] };
  }
  return wrapper;
};

/** What the last derived KEK was (undefined before the first unlock or after lock). */
export function lastKekInfo(): KekInfo | undefined {
  return lastKek;
}

/** Forget the record (lock). */
export function forgetKekInfo(): void {
  lastKek = undefined;
}
