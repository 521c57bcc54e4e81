export * from './tables.js';
export * from './codec.js';
export * from './account.js';
export * from './contacts.js';
export * from './history.js';
export * from './outbox.js';
export * from './dedupe.js';
export * from './protocol-stores.js';
