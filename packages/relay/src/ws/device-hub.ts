// Which devices have an authenticated connection in this process, so a committed envelope can wake the
// recipient's session ("the bus carries hints, the store is the truth": sessions re-read the store).
// A wake may carry the envelope just committed in this process; a session that is caught up pushes it
// without reading it back (the store stays the truth for everything else).
import { deviceKey } from '../mailbox/mailbox.js';
import type { DeviceRef, QueuedEnvelope } from '../mailbox/mailbox.js';

export interface Subscriber {
  /** New envelopes were committed for this device; `committed` is one of them, when known. */
  wake(committed?: QueuedEnvelope): void;
  /** Another connection of the same device authenticated: this one must go. */
  replaced(): void;
  /** The device was removed: its credentials are no longer valid. */
  revoked(): void;
}

export class DeviceHub {
  private readonly subs = new Map<string, Subscriber>();

  /** Subscribes a device; a previous connection of the same device is told it was replaced. */
  subscribe(device: DeviceRef, sub: Subscriber): void {
    const key = deviceKey(device);
    const old = this.subs.get(key);
    this.subs.set(key, sub);
    if (old && old !== sub) old.replaced();
  }

  unsubscribe(device: DeviceRef, sub: Subscriber): void {
    const key = deviceKey(device);
    if (this.subs.get(key) === sub) this.subs.delete(key);
  }

  /** After a commit: `committed` is the stored envelope, when this process committed it. */
  notify(device: DeviceRef, committed?: QueuedEnvelope): void {
    this.subs.get(deviceKey(device))?.wake(committed);
  }

  /** Closes the live connection of a removed device. */
  disconnect(device: DeviceRef): void {
    this.subs.get(deviceKey(device))?.revoked();
  }

  get size(): number {
    return this.subs.size;
  }
}
