// Device lists by account, kept in memory for the submit path, which checks the recipient's devices on
// every message. On a WAL database each statement costs a read-lock round trip on the shared-memory
// index (measured ≈ 8 µs for this one-row query, ≈ 2 µs of it the query itself), about a tenth of the
// relay's CPU per message.
//
// Staleness: this connection's own device writes clear the cache (the account store calls
// `invalidate`); writes by any OTHER connection or process change SQLite's `PRAGMA data_version`,
// which is read at most once per event-loop turn and clears the cache when it moved. A turn is the
// same window in which an uncached read could already have been overtaken by a concurrent commit.
import type { DeviceRecord } from '../ports.js';
import type { SqliteHandle } from './sqlite-handle.js';

/** Above this many accounts the cache starts over rather than grow without bound. */
const MAX_ACCOUNTS = 100_000;

export class DeviceListCache {
  private readonly lists = new Map<string, readonly DeviceRecord[]>();
  private dataVersion: unknown;
  private checkedThisTurn = false;

  constructor(private readonly h: SqliteHandle) {}

  get(accountId: string): readonly DeviceRecord[] | undefined {
    this.revalidate();
    return this.lists.get(accountId);
  }

  set(accountId: string, devices: readonly DeviceRecord[]): void {
    if (this.lists.size >= MAX_ACCOUNTS) this.lists.clear();
    this.lists.set(accountId, devices);
  }

  /** After a device write on this connection. */
  invalidate(): void {
    this.lists.clear();
  }

  private revalidate(): void {
    if (this.checkedThisTurn) return;
    this.checkedThisTurn = true;
    setImmediate(() => (this.checkedThisTurn = false));
    const v: unknown = this.h.stmt('PRAGMA data_version').get();
    const version = (v as { data_version?: unknown } | undefined)?.data_version;
    if (version !== this.dataVersion) {
      this.lists.clear();
      this.dataVersion = version;
    }
  }
}
