// The home's sotto.db as init and the other commands see it, with the real `sotto` executable
// against a real relay on loopback: an empty file is "no account" for all of them (init creates
// the account in its place), a damaged one is exit 3 naming the file for all of them.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertOneLineError, ok, sotto, tempDir, relayForFile } from './sotto-harness.js';

const relay = relayForFile();

void describe('an empty or damaged sotto.db (init agrees with the other commands)', () => {
  void it('an empty (0-byte) sotto.db holds no account: whoami and send say so without touching it; init creates the account in its place (mode 0600)', async () => {
    const home = tempDir();
    const db = join(home, 'sotto.db');
    writeFileSync(db, '', { mode: 0o644 });
    const [who, send] = await Promise.all([sotto(home, ['whoami']), sotto(home, ['send', 'bob', 'hi'])]);
    assertOneLineError(who, 5, /no account in .*sotto init/);
    assertOneLineError(send, 5, /no account/);
    assert.equal(statSync(db).size, 0, 'still empty: nothing was written to it');

    await ok(home, ['init', '--server', relay.url, '--username', 'from_empty']);
    assert.match((await ok(home, ['whoami'])).stdout, /^username: +@from_empty$/m);
    assert.equal(statSync(db).mode & 0o777, 0o600);
  });

  void it('an empty sotto.db beside a non-empty -wal, and a file that is not SQLite: init exits 3 naming the file, like whoami, and leaves them untouched', async () => {
    for (const [name, bytes] of [
      ['sotto.db-wal', Buffer.from('not a real write-ahead log')],
      ['sotto.db', Buffer.from('definitely not an SQLite database, just some text')],
    ] as const) {
      const home = tempDir();
      writeFileSync(join(home, 'sotto.db'), '');
      writeFileSync(join(home, name), bytes);
      const [init, who] = await Promise.all([
        sotto(home, ['init', '--server', relay.url]),
        sotto(home, ['whoami']),
      ]);
      assertOneLineError(init, 3, /sotto\.db.*damaged/);
      assertOneLineError(who, 3, /sotto\.db.*damaged/);
      assert.deepEqual(readFileSync(join(home, name)), bytes);
    }
  });
});
