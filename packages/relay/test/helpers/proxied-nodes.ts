// Two relay nodes on one PostgreSQL database behind a reverse proxy (the deployment guide's nginx and
// HAProxy examples): starting the nodes, waiting on a condition, and the message exchange both tests
// make through the proxy.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { RelayClient } from '@sotto/wire';
import { startPostgres } from '@sotto/testkit/servers';
import { createScryptHasher, relayConfigSchema, startRelay } from '../../src/index.js';
import type { RunningRelay } from '../../src/index.js';
import { registerDevice } from '../fixtures/accounts.js';
import type { TestDevice } from '../fixtures/accounts.js';
import { WS } from './harness.js';

export type Cleanups = (() => unknown)[];

/** A throwaway PostgreSQL and two relay nodes on one database of it (stopped through `cleanups`). */
export async function startTwoNodes(cleanups: Cleanups): Promise<RunningRelay[]> {
  const pg = await startPostgres();
  cleanups.push(() => pg.dispose());
  const db = await pg.createDatabase();
  const nodes: RunningRelay[] = [];
  for (let i = 0; i < 2; i++) {
    const config = relayConfigSchema.parse({
      port: 0,
      databaseUrl: db,
      logLevel: 'error',
      registrationsPerMinute: 1_000_000,
      registrationsPerAddressPerMinute: 1_000_000, // all of them from 127.0.0.1
    });
    const r = await startRelay(config, { secretHasher: createScryptHasher({ N: 16, r: 1, p: 1 }) });
    nodes.push(r);
    cleanups.push(() => r.close());
  }
  return nodes;
}

/** Polls `cond` every 50 ms (a throw counts as "not yet") until it holds, or fails after `ms`. */
export async function until(
  cond: () => Promise<boolean> | boolean,
  what: string | (() => string),
  ms: number,
): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await cond()) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) assert.fail(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ExchangeOptions {
  /** What the deliveries wait for (in failure messages). */
  readonly via: string;
  /** How long to wait for all deliveries. */
  readonly deliveryMs: number;
  /** Runs once alice's WebSocket is up, before bob's connects. */
  readonly afterFirstConnect?: () => Promise<void>;
  /** Runs once both WebSockets are up, before anything is sent. */
  readonly afterBothConnect?: () => Promise<void>;
}

/**
 * Registers alice and bob through `url`, connects both, sends 20 envelopes each way (alternating),
 * and asserts every one is accepted and delivered, in order, to the right device.
 */
export async function exchangeBothWays(url: string, cleanups: Cleanups, o: ExchangeOptions): Promise<void> {
  const N = 20;
  const alice = await registerDevice(url);
  const bob = await registerDevice(url);
  const got: Record<string, number[]> = { alice: [], bob: [] };
  const conn = (d: TestDevice, who: string) => {
    const c = new RelayClient({
      url,
      WebSocket: WS,
      credentials: { accountId: d.accountId, deviceId: d.deviceId, secret: d.secret },
    }).connect({
      onDeliver: (e) => {
        got[who]!.push(e.content[1]!);
        c.ack(e.seq);
      },
    });
    cleanups.push(() => c.close());
    return c;
  };
  const a = conn(alice, 'alice');
  await a.ready;
  await o.afterFirstConnect?.();
  const b = conn(bob, 'bob');
  await b.ready;
  await o.afterBothConnect?.();
  const send = (from: typeof a, to: TestDevice, tag: number, i: number) =>
    from.submit(to.accountId, [
      {
        deviceId: 1,
        registrationId: to.registrationId,
        envelopeId: new Uint8Array(randomBytes(16)),
        envelopeType: 1,
        content: new Uint8Array([tag, i]),
      },
    ]);
  for (let i = 0; i < N; i++) {
    assert.equal((await send(a, bob, 1, i)).results[0]?.status, 'Accepted');
    assert.equal((await send(b, alice, 2, i)).results[0]?.status, 'Accepted');
  }
  await until(
    () => got.alice!.length >= N && got.bob!.length >= N,
    () => `deliveries through ${o.via} (alice ${got.alice!.length}, bob ${got.bob!.length})`,
    o.deliveryMs,
  );
  const order = Array.from({ length: N }, (_, i) => i);
  assert.deepEqual(got.bob, order);
  assert.deepEqual(got.alice, order);
}
