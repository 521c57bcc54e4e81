// The delivery-bus conformance suite (@sotto/testkit) against all three adapters: in-process, Redis
// pub/sub and PostgreSQL LISTEN/NOTIFY, the latter two on throwaway servers started here.
import { after } from 'node:test';
import { runDeliveryBusConformance } from '@sotto/testkit/relay-bus';
import type { BusHarness } from '@sotto/testkit/relay-bus';
import { startPostgres, startRedis } from '@sotto/testkit/servers';
import type { PostgresServer, RedisServer } from '@sotto/testkit/servers';
import { LocalHub, createLocalBus, createPgBus, createRedisBus } from '../src/bus/index.js';
import type { DeliveryBus } from '../src/bus/index.js';

let redis: Promise<RedisServer> | undefined;
let postgres: Promise<PostgresServer> | undefined;
after(async () => {
  await Promise.all([redis?.then((r) => r.dispose()), postgres?.then((p) => p.dispose())]);
});

function tracked(open: () => Promise<DeliveryBus>) {
  const opened: DeliveryBus[] = [];
  return {
    open: async () => {
      const b = await open();
      opened.push(b);
      return b;
    },
    cleanup: async () => {
      await Promise.all(opened.map((b) => b.close()));
    },
  };
}

runDeliveryBusConformance('in-process', () => {
  const hub = new LocalHub();
  return Promise.resolve(tracked(() => Promise.resolve(createLocalBus(hub))));
});

runDeliveryBusConformance('redis pub/sub', async (): Promise<BusHarness> => {
  const r = await (redis ??= startRedis());
  return {
    ...tracked(() => createRedisBus(r.url)),
    stopServer: () => r.stop(),
    startServer: () => r.start(),
  };
});

runDeliveryBusConformance('postgresql LISTEN/NOTIFY', async (): Promise<BusHarness> => {
  const p = await (postgres ??= startPostgres());
  return {
    ...tracked(() => createPgBus(p.url, { reconnectMs: 100 })),
    stopServer: () => p.stop(),
    startServer: () => p.start(),
  };
});
