export * from './errors.js';
export * from './bytes.js';
export type { CryptoProvider } from './crypto-provider.js';
export * from './protobuf.js';
