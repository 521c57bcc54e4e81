export type * from './ports.js';
export { StoreError } from './store-error.js';
export type { StoreErrorCode } from './store-error.js';
export { normalizeUsername } from './username.js';
