export { openPostgresStore } from './open-postgres-store.js';
export type { PostgresRelayStores, PostgresStoreOptions } from './open-postgres-store.js';
export { loadPostgresMigrations } from './migrate.js';
