/**
 * The one storage port the messenger needs: an ordered key-value map of byte values with an ATOMIC
 * multi-key write. Everything the messenger keeps (protocol records, contacts, history, outbox,
 * seen envelope ids) lives under it, so "session state + history + dedupe" is one `write()` — the
 * property that makes decrypt → persist → ack crash-safe (see receiver.ts).
 *
 * Encryption at rest is the backend's job (C1's encrypted store); `MemoryKv` is for tests.
 */
export type KvWrite = { key: string; value: Uint8Array } | { key: string; value: null };

export interface KvReader {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every entry whose key starts with `prefix`, in ascending key order. */
  list(prefix: string): Promise<[string, Uint8Array][]>;
}

export interface KvStore extends KvReader {
  /** Applies every write or none (a value of null deletes). */
  write(batch: readonly KvWrite[]): Promise<void>;
  close?(): Promise<void>;
}

/** In-memory backend (tests, ephemeral sessions). Values are copied in and out. */
export class MemoryKv implements KvStore {
  readonly map = new Map<string, Uint8Array>();
  /** Test hook: when set, the next write throws it (simulates a storage failure). */
  failNextWrite: Error | undefined;

  get(key: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.map.get(key)?.slice());
  }

  list(prefix: string): Promise<[string, Uint8Array][]> {
    const out: [string, Uint8Array][] = [];
    for (const [k, v] of this.map) if (k.startsWith(prefix)) out.push([k, v.slice()]);
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return Promise.resolve(out);
  }

  write(batch: readonly KvWrite[]): Promise<void> {
    if (this.failNextWrite) {
      const e = this.failNextWrite;
      this.failNextWrite = undefined;
      return Promise.reject(e);
    }
    for (const w of batch) {
      if (w.value === null) this.map.delete(w.key);
      else this.map.set(w.key, w.value.slice());
    }
    return Promise.resolve();
  }
}

/**
 * A write buffer over a store: reads see the buffered writes, nothing reaches the store until
 * `commit()`, which is one atomic `write()`. Dropping the transaction discards everything — so a
 * failed decrypt never leaves half-updated state behind.
 */
export class KvTransaction implements KvReader {
  private readonly pending = new Map<string, Uint8Array | null>();

  constructor(private readonly base: KvStore) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    if (this.pending.has(key)) return this.pending.get(key)?.slice() ?? undefined;
    return this.base.get(key);
  }

  async list(prefix: string): Promise<[string, Uint8Array][]> {
    const merged = new Map(await this.base.list(prefix));
    for (const [k, v] of this.pending) {
      if (!k.startsWith(prefix)) continue;
      if (v === null) merged.delete(k);
      else merged.set(k, v.slice());
    }
    return [...merged].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  put(key: string, value: Uint8Array): void {
    this.pending.set(key, value.slice());
  }

  delete(key: string): void {
    this.pending.set(key, null);
  }

  get size(): number {
    return this.pending.size;
  }

  async commit(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch: KvWrite[] = [...this.pending].map(([key, value]) => ({ key, value }));
    await this.base.write(batch);
    this.pending.clear();
  }
}
