// BusDeviceHub without a server: a fake bus whose hints and resyncs the test fires by hand.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BusDeviceHub } from '../src/bus/bus-device-hub.js';
import { busKey } from '../src/bus/ports.js';
import type { BusDevice, BusHint, DeliveryBus } from '../src/bus/ports.js';
import type { Subscriber } from '../src/ws/device-hub.js';

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

function recorder() {
  const events: string[] = [];
  const sub: Subscriber = {
    wake: () => events.push('wake'),
    replaced: () => events.push('replaced'),
    revoked: () => events.push('revoked'),
  };
  return { sub, events };
}

const A = { accountId: '0a0a0a0a-0000-4000-8000-000000000001', deviceId: 1 };
const B = { accountId: '0a0a0a0a-0000-4000-8000-000000000002', deviceId: 1 };
const tick = () => new Promise((r) => setImmediate(r));

void describe('BusDeviceHub', () => {
  void it('closes a local socket on a revoked hint from another node, and wakes it on mail', () => {
    const f = fakeBus();
    const hub = new BusDeviceHub(f.bus);
    const a = recorder();
    hub.subscribe(A, a.sub);
    f.subs.get(busKey(A))!('mail');
    f.subs.get(busKey(A))!('revoked');
    assert.deepEqual(a.events, ['wake', 'revoked']);
  });

  void it('removing a device here closes its socket here and tells the other nodes', () => {
    const f = fakeBus();
    const hub = new BusDeviceHub(f.bus);
    const a = recorder();
    hub.subscribe(A, a.sub);
    hub.disconnect(A);
    hub.disconnect(B); // connected elsewhere, if anywhere
    assert.deepEqual(a.events, ['revoked']);
    assert.deepEqual(f.published, [`revoked ${busKey(A)}`, `revoked ${busKey(B)}`]);
  });

  void it('after a bus outage, wakes every local device and cuts off those removed meanwhile', async () => {
    const f = fakeBus();
    const gone = new Set([busKey(B)]);
    const hub = new BusDeviceHub(f.bus, (d) => Promise.resolve(!gone.has(busKey(d))));
    const [a, b] = [recorder(), recorder()];
    hub.subscribe(A, a.sub);
    hub.subscribe(B, b.sub);
    f.resync();
    await tick();
    assert.deepEqual(a.events, ['wake']);
    assert.deepEqual(b.events, ['wake', 'revoked']);
  });
});
