// "Deleted" means gone from the files: after an envelope is acknowledged (or expires) and the store is
// scrubbed, neither its ciphertext, nor its envelope id, nor its sender is anywhere in relay.sqlite or
// its WAL, while envelopes still queued are. Without secure_delete the rows stay in free space; without
// the scrub their old versions stay in the WAL.
import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore, SQLITE_FILE_NAME } from '../src/store/index.js';
import type { EnqueueItem, RelayStores } from '../src/store/index.js';
import { occurrencesInDir } from './helpers/files.js';

const DAY = 86_400_000;

interface Sent {
  id: Uint8Array;
  marker: Uint8Array;
  sender: string;
}

async function withStore(fn: (s: RelayStores, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-erase-'));
  const s = await openSqliteStore(dir);
  try {
    await fn(s, dir);
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function account(s: RelayStores): Promise<string> {
  const id = randomUUID();
  const key = new Uint8Array(33).fill(7);
  key[0] = 0x05;
  await s.accounts.createAccount(id, key, { registrationId: 1, secretHash: 'h' }, 0);
  return id;
}

/** Enqueues `n` 400-byte envelopes, each with its own marker, id and sender, in batches of 25. */
async function send(s: RelayStores, to: string, n: number, expiresAt: number): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let b = 0; b < n; b += 25) {
    const items: EnqueueItem[] = [];
    for (let i = b; i < Math.min(n, b + 25); i++) {
      const marker = randomBytes(24);
      const content = new Uint8Array(400).fill(0x41);
      content.set(marker, 100);
      const one = { id: randomBytes(16), marker, sender: randomUUID() };
      sent.push(one);
      items.push({
        accountId: to,
        deviceId: 1,
        envelopeId: one.id,
        senderAccountId: one.sender,
        senderDeviceId: 1,
        serverTimestamp: 0,
        envelopeType: 1,
        content,
        expiresAt,
      });
    }
    const results = await s.mailbox.enqueueMany(items, { queueCap: 10_000 });
    assert.ok(results.every((r) => r.outcome === 'stored'));
  }
  return sent;
}

/** Occurrences of each thing that identifies the envelopes: content, envelope id, sender. */
function traces(dir: string, sent: readonly Sent[]): { content: number; id: number; sender: number } {
  const sum = (f: (x: Sent) => Uint8Array) => sent.reduce((a, x) => a + occurrencesInDir(dir, f(x)), 0);
  return {
    content: sum((x) => x.marker),
    id: sum((x) => x.id),
    sender: sum((x) => new TextEncoder().encode(x.sender)),
  };
}

void describe('SQLite adapter: deleted envelopes leave no trace in the files', () => {
  void it('acknowledged envelopes are gone after a scrub; queued ones stay', async () => {
    await withStore(async (s, dir) => {
      const bob = await account(s);
      const gone = await send(s, bob, 300, 30 * DAY);
      const kept = await send(s, bob, 20, 30 * DAY);
      // The control: before the ack every envelope is on disk (the scan can find what it looks for).
      const before = traces(dir, gone);
      assert.ok(before.content >= gone.length && before.id >= gone.length && before.sender >= gone.length);

      const upTo = (await s.mailbox.fetch(bob, 1, 0, 300)).at(-1)!.seq;
      assert.deepEqual(
        await s.mailbox.ackMany([{ accountId: bob, deviceId: 1, request: { upToSeq: upTo } }]),
        [300],
      );
      assert.equal(await s.scrub?.(), true);

      assert.deepEqual(traces(dir, gone), { content: 0, id: 0, sender: 0 });
      const left = traces(dir, kept);
      assert.ok(left.content >= kept.length, `queued envelopes still stored (${left.content})`);
      assert.equal((await s.mailbox.fetch(bob, 1, 0, 100)).length, kept.length);
    });
  });

  void it('expired envelopes swept by the sweeper are gone after a scrub too', async () => {
    await withStore(async (s, dir) => {
      const bob = await account(s);
      const gone = await send(s, bob, 100, 1_000);
      assert.equal(await s.mailbox.sweepExpired(2_000, 1_000), 100);
      assert.equal(await s.scrub?.(), true);
      assert.deepEqual(traces(dir, gone), { content: 0, id: 0, sender: 0 });
    });
  });

  void it('a reader in another connection makes the scrub report false at once, not wait', async () => {
    await withStore(async (s, dir) => {
      const bob = await account(s);
      const gone = await send(s, bob, 50, 30 * DAY);
      const upTo = (await s.mailbox.fetch(bob, 1, 0, 50)).at(-1)!.seq;
      await s.mailbox.ackMany([{ accountId: bob, deviceId: 1, request: { upToSeq: upTo } }]);
      const reader = new Database(join(dir, SQLITE_FILE_NAME), { readonly: true });
      try {
        reader.exec('BEGIN');
        reader.prepare('SELECT count(*) FROM mailbox').get(); // holds a read snapshot of the WAL
        const t0 = Date.now();
        assert.equal(await s.scrub?.(), false);
        // busy_timeout is 5 s for normal writes; the scrub must not spend it.
        assert.ok(Date.now() - t0 < 2_000, `scrub waited ${Date.now() - t0} ms`);
        reader.exec('COMMIT');
      } finally {
        reader.close();
      }
      assert.equal(await s.scrub?.(), true);
      assert.deepEqual(traces(dir, gone), { content: 0, id: 0, sender: 0 });
    });
  });
});
