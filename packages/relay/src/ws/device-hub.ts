// Which devices have an authenticated connection in this process, so a committed envelope can wake the
// recipient's session ("the bus carries hints, the store is the truth": sessions re-read the store).
// A wake may carry the envelope just committed in this process; a session that is caught up pushes it
// without reading it back (the store stays the truth for everything else).
// It also keeps connected devices honest: each subscriber carries the stored credential its login was
// verified against, and `recheck` cuts off one whose device is gone or now has another credential (a
// removal another node served, or a device id reused by a newly linked device).
import { deviceKey } from '../mailbox/mailbox.js';
import type { DeviceRef, QueuedEnvelope } from '../mailbox/mailbox.js';

export interface Subscriber {
  /** The stored secret hash this connection's login was verified against. */
  readonly credential: string;
  /** New envelopes were committed for this device; `committed` is one of them, when known. */
  wake(committed?: QueuedEnvelope): void;
  /** Another connection of the same device authenticated: this one must go. */
  replaced(): void;
  /** The device was removed: its credentials are no longer valid. */
  revoked(): void;
}

/** The device's stored secret hash now, or null when it is not registered. Rejects if the store is down. */
export type CredentialLookup = (device: DeviceRef) => Promise<string | null>;

/** What one `recheckAll` pass did: devices checked, connections cut off, devices the store could not answer for. */
export interface RecheckTally {
  checked: number;
  revoked: number;
  failed: number;
}

/** Devices checked at once by `recheckAll` (each check is one indexed read). */
const RECHECK_CONCURRENCY = 8;

export class DeviceHub {
  /** The live connection of each device here, with the device it belongs to (for `recheckAll`). */
  private readonly subs = new Map<string, { device: DeviceRef; sub: Subscriber }>();

  constructor(private readonly lookup: CredentialLookup) {}

  /** Subscribes a device; a previous connection of the same device is told it was replaced. */
  subscribe(device: DeviceRef, sub: Subscriber): void {
    const key = deviceKey(device);
    const old = this.subs.get(key)?.sub;
    this.subs.set(key, { device: { accountId: device.accountId, deviceId: device.deviceId }, sub });
    if (old && old !== sub) old.replaced();
  }

  unsubscribe(device: DeviceRef, sub: Subscriber): void {
    const key = deviceKey(device);
    if (this.subs.get(key)?.sub === sub) this.subs.delete(key);
  }

  /** After a commit: `committed` is the stored envelope, when this process committed it. */
  notify(device: DeviceRef, committed?: QueuedEnvelope): void {
    this.subs.get(deviceKey(device))?.sub.wake(committed);
  }

  /** Closes the live connection of a device this process has just removed. */
  disconnect(device: DeviceRef): void {
    this.subs.get(deviceKey(device))?.sub.revoked();
  }

  /**
   * Asks the store whether the device's connection here still holds: cut off (and true) when the
   * device is gone or its stored credential is no longer the one this connection logged in with.
   * Rejects when the store cannot answer; the connection then stays until a later check.
   */
  async recheck(device: DeviceRef): Promise<boolean> {
    const key = deviceKey(device);
    const sub = this.subs.get(key)?.sub;
    if (sub === undefined) return false;
    const stored = await this.lookup(device);
    // The same connection still (a reconnect meanwhile was checked at its own login).
    if (stored === sub.credential || this.subs.get(key)?.sub !== sub) return false;
    sub.revoked();
    return true;
  }

  /**
   * Rechecks every connected device, a few at a time: the backstop for removals whose notice never
   * arrived (a bus outage, a node of an older version, a device linked while its account was
   * being deleted). A device the store cannot answer for is skipped.
   */
  async recheckAll(): Promise<RecheckTally> {
    const devices = [...this.subs.values()].map((e) => e.device);
    let next = 0;
    const tally: RecheckTally = { checked: 0, revoked: 0, failed: 0 };
    const worker = async () => {
      while (next < devices.length) {
        const device = devices[next++]!;
        try {
          if (await this.recheck(device)) tally.revoked++;
          tally.checked++;
        } catch {
          tally.failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: RECHECK_CONCURRENCY }, worker));
    return tally;
  }

  get size(): number {
    return this.subs.size;
  }
}
