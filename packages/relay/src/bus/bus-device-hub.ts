// The DeviceHub of a relay node that shares its database with other nodes: local sockets are woken
// directly; a device with no socket here gets a bus hint instead, so the node holding its socket
// drains it from the database. While a device is connected here, this node subscribes to its hints;
// a removed device is cut off the same way, wherever its socket is. A `revoked` hint is only a reason
// to ask the store (anyone who can publish on the bus could forge one), and so is a bus outage
// (`resync`): hints may have been lost then, so every local device is woken and rechecked.
import type { DeviceRef, QueuedEnvelope } from '../mailbox/mailbox.js';
import { deviceKey } from '../mailbox/mailbox.js';
import { DeviceHub } from '../ws/device-hub.js';
import type { CredentialLookup, Subscriber } from '../ws/device-hub.js';
import type { DeliveryBus } from './ports.js';

export class BusDeviceHub extends DeviceHub {
  private readonly local = new Map<string, { device: DeviceRef; sub: Subscriber; unbus: () => void }>();
  private readonly offResync: () => void;

  /** `lookup` reads a device's stored credential (DeviceHub.recheck). */
  constructor(
    private readonly bus: DeliveryBus,
    lookup: CredentialLookup,
  ) {
    super(lookup);
    this.offResync = bus.onResync(() => {
      for (const { device } of this.local.values()) {
        super.notify(device);
        this.recheckQuietly(device);
      }
    });
  }

  override subscribe(device: DeviceRef, sub: Subscriber): void {
    const key = deviceKey(device);
    const old = this.local.get(key);
    const unbus = this.bus.subscribe(device, (hint) =>
      hint === 'revoked' ? this.recheckQuietly(device) : super.notify(device),
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

  /** A store that cannot answer now leaves the socket; the periodic recheck (`recheckAll`) decides later. */
  private recheckQuietly(device: DeviceRef): void {
    this.recheck(device).catch(() => undefined);
  }

  /** Stops listening for resyncs (the bus itself is closed by its owner). */
  detach(): void {
    this.offResync();
  }
}
