export { startPostgres, findPostgresBin } from './postgres-server.js';
export type { PostgresServer, StartPostgresOptions } from './postgres-server.js';
export { startRedis, findRedisServer } from './redis-server.js';
export type { RedisServer } from './redis-server.js';
export { ServerError, INSTALL_HINT } from './server-errors.js';
export type { ServerErrorCode } from './server-errors.js';
export { freeLowPort } from './free-port.js';
