export type * from './ports.js';
export { StoreError } from './store-error.js';
export type { StoreErrorCode } from './store-error.js';
export { normalizeUsername } from './username.js';
export { MailboxWriter } from './mailbox-writer.js';
export type { MailboxWriterOptions, MailboxWriterStats } from './mailbox-writer.js';
export { openSqliteStore, SQLITE_FILE_NAME } from './sqlite/open-sqlite-store.js';
export type { SqliteRelayStores, SqliteStoreOptions } from './sqlite/open-sqlite-store.js';
