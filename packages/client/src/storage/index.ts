export * from './errors.js';
export * from './backend.js';
export * from './memory-backend.js';
export * from './key-wrapper.js';
export * from './webcrypto-key-wrapper.js';
export * from './header.js';
export * from './encrypted-store.js';
export * from './record-format.js';
export { compareBytes, concatBytes } from './bytes.js';
