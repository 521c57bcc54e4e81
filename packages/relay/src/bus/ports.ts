// The delivery-notification port: "device D has new mail" hints between relay nodes. The mailbox in
// the database stays the truth: a hint only tells the node holding D's socket to drain now. A lost
// hint delays nothing forever (devices drain on connect, and `resync` re-drains after a bus outage),
// so publish never fails the sender and never throws. (SCALE.md: the bus carries hints, the store is
// the truth; Synapse's Redis carries only "stream moved".)

/**
 * What a hint says: `mail`, new envelopes were committed for the device; `revoked`, the device (or its
 * whole account) was removed, so the node holding its socket must close it at once: a socket stays
 * authenticated until then, and a removed device (a lost phone) could go on sending as the account.
 */
export type BusHint = 'mail' | 'revoked';

/** A device, as the relay addresses it. */
export interface BusDevice {
  accountId: string;
  deviceId: number;
}

export interface DeliveryBus {
  /**
   * Tells whichever node holds `device` that new mail was committed for it (`hint` 'mail', the default)
   * or that the device was removed ('revoked'). Call AFTER the commit.
   * Best effort: resolves also when the bus is down (the hint is dropped; the mailbox is the truth).
   */
  publish(device: BusDevice, hint?: BusHint): Promise<void>;
  /** Calls `listener` on every hint for `device` (from any node, this one included) until unsubscribed. */
  subscribe(device: BusDevice, listener: (hint: BusHint) => void): () => void;
  /**
   * Called after the bus reconnected following a loss: hints may have been missed meanwhile, so the
   * relay re-drains every device connected here. Returns an unregister function.
   */
  onResync(listener: () => void): () => void;
  /** Drops subscriptions and connections. Idempotent; publish afterwards is a no-op. */
  close(): Promise<void>;
}

/** The key a device's hint travels under: "<accountId>.<deviceId>". */
export function busKey(d: BusDevice): string {
  return `${d.accountId}.${d.deviceId}`;
}

const KEY_RE =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(?:[1-9]|[1-9][0-9]|1[01][0-9]|12[0-7])$/;

/** A key received from the bus is untrusted input: only well-formed device keys are accepted. */
export function isBusKey(s: string): boolean {
  return KEY_RE.test(s);
}
