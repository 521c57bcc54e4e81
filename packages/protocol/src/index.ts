export * from './errors.js';
export * from './bytes.js';
export type { CryptoProvider } from './crypto-provider.js';
export * from './protobuf.js';
export * from './protocol-address.js';
export * from './signal-message.js';
export * from './prekey-signal-message.js';
export * from './noble-provider.js';
export * from './default-crypto.js';
