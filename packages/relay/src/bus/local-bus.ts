// The in-process bus (single node, the default): a hint published here reaches this process's
// subscribers synchronously-soon (next microtask). Several LocalBus instances can share one LocalHub
// to stand for several nodes in one process (tests).
import { Listeners } from './listeners.js';
import { busKey } from './ports.js';
import type { BusDevice, BusHint, DeliveryBus } from './ports.js';

/** What several in-process bus instances share. */
export class LocalHub {
  readonly members = new Set<Listeners>();
}

export function createLocalBus(hub: LocalHub = new LocalHub()): DeliveryBus {
  const listeners = new Listeners();
  hub.members.add(listeners);
  let closed = false;
  return {
    publish(device: BusDevice, hint: BusHint = 'mail') {
      if (closed) return Promise.resolve();
      const key = busKey(device);
      queueMicrotask(() => {
        for (const m of hub.members) m.fire(key, hint);
      });
      return Promise.resolve();
    },
    subscribe(device, listener) {
      if (closed) return () => undefined;
      const sub = listeners.add(device, listener);
      return () => void sub.remove();
    },
    onResync: (l) => listeners.onResync(l),
    close() {
      closed = true;
      hub.members.delete(listeners);
      listeners.clear();
      return Promise.resolve();
    },
  };
}
