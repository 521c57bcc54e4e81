// Someone who steals the relay's disk: the database holds only a salted hash of each device secret
// (never the secret in any encoding), so the disk alone does not let anyone log in as a device; and
// no client address is written, whatever address the client connected from.
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { RelayClient, toBase64 } from '@sotto/wire';
import type { WebSocketCtor } from '@sotto/wire';
import type { SecretHasher } from '../src/auth/secret-hash.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { envelopeId, registerUser, startTestRelay } from './helpers/harness.js';
import type { TestRelay } from './helpers/harness.js';

const dirs: string[] = [];
const relays: TestRelay[] = [];
after(async () => {
  for (const r of relays) await r.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A relay on SQLite files in a fresh directory (the real hasher unless one is given). */
async function relayOnDisk(secretHasher?: SecretHasher): Promise<{ t: TestRelay; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-relay-disk-'));
  dirs.push(dir);
  const t = await startTestRelay(
    {},
    { store: await openSqliteStore(dir), ...(secretHasher ? { secretHasher } : {}) },
  );
  relays.push(t);
  return { t, dir };
}

/** The secret in every encoding a careless store might use, and a 16-byte window of it. */
function secretForms(secret: Uint8Array): Buffer[] {
  const raw = Buffer.from(secret);
  return [raw, Buffer.from(toBase64(secret)), Buffer.from(raw.toString('hex')), raw.subarray(8, 24)];
}

function files(d: string): Buffer[] {
  return readdirSync(d).flatMap((name) => {
    const full = join(d, name);
    return statSync(full).isDirectory() ? files(full) : [readFileSync(full)];
  });
}

/** An unusual loopback source address, so finding it on disk could not be a coincidence. */
const CLIENT_ADDRESS = '127.0.0.77';

class FromAddress extends WebSocket {
  constructor(url: string) {
    super(url, { localAddress: CLIENT_ADDRESS });
  }
}

void describe("the relay's disk", () => {
  void it('stores only a hash of each device secret, and no client address, while the device is in use', async () => {
    const { t, dir } = await relayOnDisk();
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    // Bob connects from CLIENT_ADDRESS and authenticates with his secret; alice queues to him.
    const client = new RelayClient({
      url: t.url,
      WebSocket: FromAddress as unknown as WebSocketCtor,
      credentials: bob.creds,
    });
    const conn = client.connect({});
    await conn.ready;
    const r = await alice.client.submit(bob.accountId, [
      {
        deviceId: 1,
        registrationId: bob.registrationId,
        envelopeId: envelopeId(),
        envelopeType: 1,
        content: Uint8Array.of(1, 2, 3),
      },
    ]);
    assert.equal(r.results[0]!.status, 'Accepted');
    const disk = files(dir);
    assert.ok(
      disk.some((f) => f.includes(Buffer.from(bob.accountId))),
      'the accounts are on disk, so the scan can see rows',
    );
    for (const u of [alice, bob]) {
      for (const form of secretForms(u.secret)) {
        for (const f of disk) assert.equal(f.includes(form), false, 'a device secret is on disk');
      }
    }
    for (const f of disk)
      assert.equal(f.includes(Buffer.from(CLIENT_ADDRESS)), false, 'client address on disk');
    conn.close();
  });

  void it('the scan finds a secret that IS stored in clear (control: a relay with a plain-text "hasher")', async () => {
    const plain: SecretHasher = {
      hash: (secret) => Promise.resolve(toBase64(secret)),
      verify: (secret, stored) => Promise.resolve(toBase64(secret) === stored),
    };
    const { t, dir } = await relayOnDisk(plain);
    const u = await registerUser(t);
    const disk = files(dir);
    assert.ok(secretForms(u.secret).some((form) => disk.some((f) => f.includes(form))));
  });
});
