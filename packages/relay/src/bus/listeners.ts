// Local fan-out shared by the bus adapters: listeners per device key, and resync listeners.
import { busKey } from './ports.js';
import type { BusDevice, BusHint } from './ports.js';

type Listener = (hint: BusHint) => void;

export class Listeners {
  private readonly byKey = new Map<string, Set<Listener>>();
  private readonly resync = new Set<() => void>();

  /** Adds a listener; `first` is true when the key had none (adapters subscribe upstream then). */
  add(device: BusDevice, listener: Listener): { key: string; first: boolean; remove: () => boolean } {
    const key = busKey(device);
    let set = this.byKey.get(key);
    const first = set === undefined;
    if (!set) {
      set = new Set();
      this.byKey.set(key, set);
    }
    set.add(listener);
    return {
      key,
      first,
      // true when the key has no listener left (adapters unsubscribe upstream then).
      remove: () => {
        const s = this.byKey.get(key);
        if (!s?.delete(listener)) return false;
        if (s.size > 0) return false;
        this.byKey.delete(key);
        return true;
      },
    };
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  keys(): string[] {
    return [...this.byKey.keys()];
  }

  /** Calls the key's listeners; one throwing listener does not stop the others. */
  fire(key: string, hint: BusHint = 'mail'): void {
    for (const l of [...(this.byKey.get(key) ?? [])]) {
      try {
        l(hint);
      } catch {
        // a listener's bug must not break delivery to the others
      }
    }
  }

  onResync(listener: () => void): () => void {
    this.resync.add(listener);
    return () => this.resync.delete(listener);
  }

  fireResync(): void {
    for (const l of [...this.resync]) {
      try {
        l();
      } catch {
        // as above
      }
    }
  }

  clear(): void {
    this.byKey.clear();
    this.resync.clear();
  }
}
