// BusDeviceHub without a server: a fake bus whose hints and resyncs the test fires by hand, and a fake
// credential store the test edits (a device removed, or its id reused by another device).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BusDeviceHub } from '../src/bus/bus-device-hub.js';
import { busKey } from '../src/bus/ports.js';
import type { BusDevice, BusHint, DeliveryBus } from '../src/bus/ports.js';
import { DeviceHub } from '../src/ws/device-hub.js';
import type { Subscriber } from '../src/ws/device-hub.js';
import type { DeviceRef } from '../src/mailbox/mailbox.js';

function fakeBus() {
  const subs = new Map<string, (hint: BusHint) => void>();
  const resyncs = new Set<() => void>();
  const published: string[] = [];
  const bus: DeliveryBus = {
    publish(d: BusDevice, hint: BusHint = 'mail') {
      published.push(`${hint} ${busKey(d)}`);
      return Promise.resolve();
    },
    subscribe(d, l) {
      subs.set(busKey(d), l);
      return () => subs.delete(busKey(d));
    },
    onResync(l) {
      resyncs.add(l);
      return () => resyncs.delete(l);
    },
    close: () => Promise.resolve(),
  };
  return { bus, subs, published, resync: () => resyncs.forEach((l) => l()) };
}

function recorder(credential = 'hash-1') {
  const events: string[] = [];
  const sub: Subscriber = {
    credential,
    wake: () => events.push('wake'),
    replaced: () => events.push('replaced'),
    revoked: () => events.push('revoked'),
  };
  return { sub, events };
}

const A = { accountId: '0a0a0a0a-0000-4000-8000-000000000001', deviceId: 1 };
const B = { accountId: '0a0a0a0a-0000-4000-8000-000000000002', deviceId: 1 };
const tick = () => new Promise((r) => setImmediate(r));

/** Stored credentials by device; a device missing from the map is not registered. */
function fakeCredentials(initial: [DeviceRef, string][]) {
  const stored = new Map(initial.map(([d, h]) => [busKey(d), h]));
  let down = false;
  const lookup = (d: DeviceRef) =>
    down ? Promise.reject(new Error('store down')) : Promise.resolve(stored.get(busKey(d)) ?? null);
  return { stored, lookup, setDown: (v: boolean) => (down = v) };
}

void describe('BusDeviceHub', () => {
  void it('on a revoked hint from another node, asks the store and closes only a device it no longer knows', async () => {
    const f = fakeBus();
    const creds = fakeCredentials([
      [A, 'hash-1'],
      [B, 'hash-1'],
    ]);
    const hub = new BusDeviceHub(f.bus, creds.lookup);
    const [a, b] = [recorder(), recorder()];
    hub.subscribe(A, a.sub);
    hub.subscribe(B, b.sub);
    f.subs.get(busKey(A))!('mail');
    // A forged hint (anyone who can publish on the bus): the store still has B as it logged in.
    f.subs.get(busKey(B))!('revoked');
    await tick();
    assert.deepEqual(b.events, []);
    creds.stored.delete(busKey(A));
    f.subs.get(busKey(A))!('revoked');
    await tick();
    assert.deepEqual(a.events, ['wake', 'revoked']);
  });

  void it('removing a device here closes its socket here and tells the other nodes', () => {
    const f = fakeBus();
    const hub = new BusDeviceHub(f.bus, fakeCredentials([]).lookup);
    const a = recorder();
    hub.subscribe(A, a.sub);
    hub.disconnect(A);
    hub.disconnect(B); // connected elsewhere, if anywhere
    assert.deepEqual(a.events, ['revoked']);
    assert.deepEqual(f.published, [`revoked ${busKey(A)}`, `revoked ${busKey(B)}`]);
  });

  void it('after a bus outage, wakes every local device and cuts off those removed or replaced meanwhile', async () => {
    const f = fakeBus();
    const C = { accountId: A.accountId, deviceId: 2 };
    const creds = fakeCredentials([
      [A, 'hash-1'],
      [C, 'hash-1'],
    ]);
    const hub = new BusDeviceHub(f.bus, creds.lookup);
    const [a, b, c] = [recorder(), recorder(), recorder()];
    hub.subscribe(A, a.sub);
    hub.subscribe(B, b.sub); // B was removed meanwhile
    hub.subscribe(C, c.sub);
    creds.stored.set(busKey(C), 'hash-2'); // C was removed and its id given to a newly linked device
    f.resync();
    await tick();
    assert.deepEqual(a.events, ['wake']);
    assert.deepEqual(b.events, ['wake', 'revoked']);
    assert.deepEqual(c.events, ['wake', 'revoked']);
  });
});

void describe('DeviceHub.recheckAll', () => {
  void it('cuts off exactly the connections whose stored credential is gone or changed', async () => {
    const devices = Array.from({ length: 50 }, (_, i) => ({ accountId: A.accountId, deviceId: i + 1 }));
    const creds = fakeCredentials(devices.map((d) => [d, 'hash-1']));
    const hub = new DeviceHub(creds.lookup);
    const subs = devices.map(() => recorder());
    devices.forEach((d, i) => hub.subscribe(d, subs[i]!.sub));
    const removed = new Set([3, 17, 42]);
    const reused = new Set([8, 29]);
    for (const id of removed) creds.stored.delete(busKey(devices[id - 1]!));
    for (const id of reused) creds.stored.set(busKey(devices[id - 1]!), 'hash-2');
    assert.deepEqual(await hub.recheckAll(), { checked: 50, revoked: 5, failed: 0 });
    const cut = devices.filter((_, i) => subs[i]!.events.includes('revoked')).map((d) => d.deviceId);
    assert.deepEqual(cut, [3, 8, 17, 29, 42]);
  });

  void it('leaves every connection when the store cannot answer, and counts the failures', async () => {
    const creds = fakeCredentials([]);
    const hub = new DeviceHub(creds.lookup);
    const a = recorder();
    hub.subscribe(A, a.sub);
    creds.setDown(true);
    assert.deepEqual(await hub.recheckAll(), { checked: 0, revoked: 0, failed: 1 });
    assert.deepEqual(a.events, []);
    creds.setDown(false);
    assert.deepEqual(await hub.recheckAll(), { checked: 1, revoked: 1, failed: 0 });
    assert.deepEqual(a.events, ['revoked']);
  });

  void it('does not cut off a newer connection of the device that logged in during the check', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hub = new DeviceHub(async () => {
      await gate;
      return 'hash-2';
    });
    const [old, fresh] = [recorder('hash-1'), recorder('hash-2')];
    hub.subscribe(A, old.sub);
    const pass = hub.recheckAll();
    hub.subscribe(A, fresh.sub); // the device re-logged in with its new credential meanwhile
    release();
    assert.deepEqual(await pass, { checked: 1, revoked: 0, failed: 0 });
    assert.deepEqual(old.events, ['replaced']);
    assert.deepEqual(fresh.events, []);
  });
});
