// The per-address count of WebSockets that have not authenticated yet (maxUnauthenticatedPerIp).
// Opening one costs an attacker nothing, so one address may hold only so many. Addresses count as
// every other per-address limit counts them (http/client-address.ts): IPv6 per /64, since one
// subscriber is usually handed a whole /64 and could otherwise take a fresh address per socket, and
// an IPv4-mapped address (a dual-stack listener's view of an IPv4 client) as its IPv4 address.
import { addressKey } from '../http/client-address.js';

export class UnauthenticatedSlots {
  private readonly held = new Map<string, number>();

  constructor(private readonly perAddress: number) {}

  /** A slot for a socket from `remoteAddress`: the release function, or null when the address is full. */
  take(remoteAddress: string | undefined): (() => void) | null {
    const key = addressKey(remoteAddress);
    const n = this.held.get(key) ?? 0;
    if (n >= this.perAddress) return null;
    this.held.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left <= 0) this.held.delete(key);
      else this.held.set(key, left);
    };
  }

  /** Addresses holding at least one slot (for tests). */
  get addresses(): number {
    return this.held.size;
  }
}
