// The DeviceHub of a relay node that shares its database with other nodes: local sockets are woken
// directly; a device with no socket here gets a bus hint instead, so the node holding its socket
// drains it from the database. While a device is connected here, this node subscribes to its hints;
// a removed device is cut off the same way, wherever its socket is.
// After a bus outage (`resync`) every local device is woken, since hints may have been lost.
import type { DeviceRef, QueuedEnvelope } from '../mailbox/mailbox.js';
import { deviceKey } from '../mailbox/mailbox.js';
import { DeviceHub } from '../ws/device-hub.js';
import type { Subscriber } from '../ws/device-hub.js';
import type { DeliveryBus } from './ports.js';

export class BusDeviceHub extends DeviceHub {
  private readonly local = new Map<string, { device: DeviceRef; sub: Subscriber; unbus: () => void }>();
  private readonly offResync: () => void;

  /**
   * `exists` answers whether a device is still registered: after a bus outage, revocations published
   * meanwhile are lost too, so each local device is checked once and a removed one is cut off.
   */
  constructor(
    private readonly bus: DeliveryBus,
    private readonly exists: (device: DeviceRef) => Promise<boolean> = () => Promise.resolve(true),
  ) {
    super();
    this.offResync = bus.onResync(() => {
      for (const { device } of this.local.values()) {
        super.notify(device);
        this.exists(device).then(
          (yes) => {
            if (!yes) super.disconnect(device);
          },
          () => undefined, // the store is down: the next resync or the device's next request decides
        );
      }
    });
  }

  override subscribe(device: DeviceRef, sub: Subscriber): void {
    const key = deviceKey(device);
    const old = this.local.get(key);
    const unbus = this.bus.subscribe(device, (hint) =>
      hint === 'revoked' ? super.disconnect(device) : super.notify(device),
    );
    this.local.set(key, { device: { ...device }, sub, unbus });
    old?.unbus();
    super.subscribe(device, sub);
  }

  override unsubscribe(device: DeviceRef, sub: Subscriber): void {
    const key = deviceKey(device);
    const cur = this.local.get(key);
    if (cur && cur.sub === sub) {
      cur.unbus();
      this.local.delete(key);
    }
    super.unsubscribe(device, sub);
  }

  /** Called after the commit: wake the local socket, else hint the node that holds it. */
  override notify(device: DeviceRef, committed?: QueuedEnvelope): void {
    if (this.local.has(deviceKey(device))) super.notify(device, committed);
    else void this.bus.publish(device);
  }

  /** Closes the device's socket here, and on whichever node holds it (a removed device). */
  override disconnect(device: DeviceRef): void {
    super.disconnect(device);
    void this.bus.publish(device, 'revoked');
  }

  /** Stops listening for resyncs (the bus itself is closed by its owner). */
  detach(): void {
    this.offResync();
  }
}
