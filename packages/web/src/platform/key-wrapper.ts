/**
 * The browser's key wrapper: scrypt derives the KEK from the passphrase (the same KDF and header
 * parameters as every Sotto store), and the KEK is imported at once as a NON-EXTRACTABLE WebCrypto
 * AES-GCM key — the raw bytes are zeroised right after import, so while the app is unlocked no
 * script (ours or injected) can read the KEK back out, only ask WebCrypto to use it.
 *
 * The implementation is @sotto/client's `WebCryptoKeyWrapper` (same wrapped format as the Node
 * client's); this module adds what the UI needs: which key is currently held, to show (and let the
 * browser tests check) that it is non-extractable.
 */
import { WebCryptoKeyWrapper, deriveKek, type KeyWrapperFactory } from '@sotto/client';

export interface HeldKeyInfo {
  algorithm: string;
  extractable: boolean;
  usages: readonly string[];
}

let held: WebCryptoKeyWrapper | undefined;

/** `EncryptedStoreOptions.keyWrapper` for the browser. */
export const browserKeyWrapper: KeyWrapperFactory = async (passphrase, params) => {
  const wrapper = await WebCryptoKeyWrapper.fromKek(await deriveKek(passphrase, params));
  held = wrapper;
  return wrapper;
};

/** Describes the KEK currently held (undefined when locked). */
export function heldKeyInfo(): HeldKeyInfo | undefined {
  const key = held?.cryptoKey as (CryptoKey & { algorithm: { name: string } }) | undefined;
  if (key === undefined) return undefined;
  return { algorithm: key.algorithm.name, extractable: key.extractable, usages: key.usages };
}

/** Forgets the held KEK (lock). */
export function forgetHeldKey(): void {
  held?.destroy();
  held = undefined;
}
