export { busKey, isBusKey } from './ports.js';
export type { BusDevice, DeliveryBus } from './ports.js';
export { createLocalBus, LocalHub } from './local-bus.js';
export { createRedisBus } from './redis-bus.js';
export type { RedisBusOptions } from './redis-bus.js';
export { createPgBus } from './pg-bus.js';
export type { PgBusOptions } from './pg-bus.js';
export { openDeliveryBus } from './open-bus.js';
