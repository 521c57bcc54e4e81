// Chooses the bus from a URL: none → in-process; redis(s):// → Redis pub/sub; postgres(ql):// →
// LISTEN/NOTIFY on that database.
import { createLocalBus } from './local-bus.js';
import { createPgBus } from './pg-bus.js';
import type { DeliveryBus } from './ports.js';
import { createRedisBus } from './redis-bus.js';

export async function openDeliveryBus(busUrl: string | undefined): Promise<DeliveryBus> {
  if (busUrl === undefined) return createLocalBus();
  const scheme = new URL(busUrl).protocol;
  if (scheme === 'redis:' || scheme === 'rediss:') return createRedisBus(busUrl);
  if (scheme === 'postgres:' || scheme === 'postgresql:') return createPgBus(busUrl);
  throw new Error(`unsupported bus URL scheme ${scheme}`);
}
