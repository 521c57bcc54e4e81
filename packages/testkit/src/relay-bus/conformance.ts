// The delivery-bus conformance suite: what every adapter of @sotto/relay's DeliveryBus port must show
// (in-process, Redis pub/sub, PostgreSQL LISTEN/NOTIFY): hints cross instances ("nodes"), reach only
// the subscribed device, stop on unsubscribe, and survive a server restart with a `resync` callback
// and no crash while the server is gone.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { BusDevice, DeliveryBus } from '@sotto/relay/bus';

export interface BusHarness {
  /** A new bus instance on the shared backend (as another relay node would open). */
  open(): Promise<DeliveryBus>;
  /** Stops the backend server (keeping its address); absent for in-process buses. */
  stopServer?: () => Promise<void>;
  /** Starts it again on the same address. */
  startServer?: () => Promise<void>;
  /** Closes everything the harness opened. */
  cleanup(): Promise<void>;
}

export type MakeBusHarness = () => Promise<BusHarness>;

const dev = (deviceId = 1): BusDevice => ({ accountId: randomUUID(), deviceId });

/** Resolves when `pred()` holds, polling; fails after `ms`. */
async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function runDeliveryBusConformance(name: string, make: MakeBusHarness): void {
  void describe(`delivery bus conformance: ${name}`, () => {
    let h: BusHarness | undefined;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });
    const harness = () => {
      assert.ok(h);
      return h;
    };

    void it('delivers a hint published on one node to the subscriber on another', async () => {
      const [a, b] = [await harness().open(), await harness().open()];
      const d = dev(3);
      let got = 0;
      b.subscribe(d, () => got++);
      await sleep(100); // subscriptions travel to the server asynchronously
      await a.publish(d);
      await until(() => got >= 1, 'the hint on node b');
    });

    void it('tells a revocation apart from new mail', async () => {
      const [a, b] = [await harness().open(), await harness().open()];
      const d = dev(4);
      const hints: string[] = [];
      b.subscribe(d, (hint) => hints.push(hint));
      await sleep(100);
      await a.publish(d, 'revoked');
      await until(() => hints.length >= 1, 'the revocation on node b');
      await a.publish(d);
      await until(() => hints.length >= 2, 'the mail hint on node b');
      assert.deepEqual(hints, ['revoked', 'mail']);
    });

    void it('reaches only the subscribed device, and stops after unsubscribe', async () => {
      const [a, b] = [await harness().open(), await harness().open()];
      const d1 = dev(1);
      const d2 = { accountId: d1.accountId, deviceId: 2 };
      let n1 = 0;
      let n2 = 0;
      const un1 = b.subscribe(d1, () => n1++);
      b.subscribe(d2, () => n2++);
      await sleep(100);
      await a.publish(d2);
      await until(() => n2 === 1, 'the hint for device 2');
      await sleep(100);
      assert.equal(n1, 0, 'device 1 got a hint meant for device 2');
      un1();
      await sleep(100);
      await a.publish(d1);
      await a.publish(d2);
      await until(() => n2 === 2, 'the second hint for device 2');
      await sleep(100);
      assert.equal(n1, 0, 'an unsubscribed listener was called');
    });

    void it('delivers every hint of a burst for many devices', async () => {
      const [a, b] = [await harness().open(), await harness().open()];
      const devices = Array.from({ length: 300 }, () => dev(1));
      const seen = new Set<number>();
      devices.forEach((d, i) => b.subscribe(d, () => seen.add(i)));
      await sleep(200);
      await Promise.all(devices.map((d) => a.publish(d)));
      await until(() => seen.size === devices.length, `hints for all ${devices.length} devices`);
    });

    void it('is idempotent to close, and publishing after close is a no-op', async () => {
      const a = await harness().open();
      await a.close();
      await a.close();
      await a.publish(dev());
      const un = a.subscribe(dev(), () => undefined);
      un();
    });

    void it('calls resync after the server restarts and delivers hints again; no crash while it is down', async (t) => {
      const { stopServer, startServer } = harness();
      if (!stopServer || !startServer) {
        t.diagnostic('in-process bus: no server to restart');
        return;
      }
      const [a, b] = [await harness().open(), await harness().open()];
      let resyncs = 0;
      b.onResync(() => resyncs++);
      const d = dev(5);
      let got = 0;
      b.subscribe(d, () => got++);
      await sleep(100);
      await stopServer();
      // Publishing into a dead bus resolves (the hint is dropped; the mailbox is the truth).
      await a.publish(d);
      await sleep(300);
      await startServer();
      await until(() => resyncs >= 1, 'resync after the server came back', 20_000);
      // Subscriptions are restored: a new hint arrives.
      const before = got;
      await until(
        () => {
          void a.publish(d);
          return got > before;
        },
        'a hint after the restart',
        20_000,
      );
    });
  });
}
