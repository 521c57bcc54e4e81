/**
 * The process-wide default CryptoProvider: noble (portable) unless the application installs a
 * faster one at start-up, e.g. `setDefaultCrypto(nodeCrypto)` from `@sotto/protocol/node`.
 * APIs that take an explicit provider should still be preferred in libraries and tests.
 */
import type { CryptoProvider } from './crypto-provider.js';
import { ProtocolError } from './errors.js';
import { nobleCrypto } from './noble-provider.js';

let current: CryptoProvider = nobleCrypto;

/** The provider used when none is passed explicitly. */
export function defaultCrypto(): CryptoProvider {
  return current;
}

/** Installs `provider` as the default (once, at start-up); returns the previous one. */
export function setDefaultCrypto(provider: CryptoProvider): CryptoProvider {
  if (typeof provider !== 'object' || provider === null || typeof provider.hkdfSha256 !== 'function') {
    throw new ProtocolError('InvalidArgument', 'setDefaultCrypto expects a CryptoProvider');
  }
  const previous = current;
  current = provider;
  return previous;
}
