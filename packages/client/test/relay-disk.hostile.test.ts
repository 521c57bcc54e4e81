// Someone who steals the relay's disk while a message is still queued: the database files hold
// ciphertext, never the plaintext, and no client IP address.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { newUser, suiteRelay } from './messenger-harness.js';

const relay = suiteRelay();

function relayFiles(dir: string): Buffer[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? relayFiles(full) : [readFileSync(full)];
  });
}

void describe("the relay's disk", () => {
  void it('holds a queued message only as ciphertext, and no client IP address', async () => {
    const alice = await newUser(relay.url);
    const bob = await newUser(relay.url); // never connects: the envelope stays queued on disk
    await alice.m.addContact('bob', bob.m.address);
    await alice.m.connect();
    const secret = 'the-eagle-lands-at-dawn-7f3a9c';
    await (
      await alice.m.send('bob', secret)
    ).accepted;
    const files = relayFiles(relay.dir);
    const total = files.reduce((n, f) => n + f.length, 0);
    assert.ok(total > 0, 'the relay wrote its database');
    const aliceId = Buffer.from(alice.m.accountId);
    assert.ok(
      files.some((f) => f.includes(aliceId)),
      'the queued row (with its stamped sender) is on disk, so the scan can see it',
    );
    for (const f of files) {
      assert.equal(f.includes(Buffer.from(secret)), false, 'plaintext on the relay disk');
      assert.equal(f.includes(Buffer.from('127.0.0.1')), false, 'client address on the relay disk');
    }
    await alice.m.close();
    await bob.m.close();
  });
});
