import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteBackend } from '../src/node/sqlite-backend.js';
import { TEST_KDF_COST } from '../src/storage/key-wrapper.js';
import { Messenger } from '../src/messenger/messenger.js';
import { MessengerError } from '../src/messenger/errors.js';
import {
  FAST_BACKOFF,
  newUser,
  nextEvent,
  suiteRelay,
  tempDir,
  TEST_POLICY,
  tracked,
  WS,
} from './messenger-harness.js';

const relay = suiteRelay();

function onDisk(path: string, passphrase: string) {
  return {
    backend: new SqliteBackend(path),
    passphrase,
    storeOptions: { kdfCost: TEST_KDF_COST },
    WebSocket: WS,
    prekeyPolicy: TEST_POLICY,
    backoff: FAST_BACKOFF,
  };
}

void describe('a messenger on an encrypted SQLite home', () => {
  void it('reopens from disk with history and sessions; a wrong passphrase is a typed error; no plaintext on disk', async () => {
    const home = tempDir();
    const db = join(home.dir, 'sotto.db');
    const secret = 'the eagle lands at midnight';
    const carol = tracked(await Messenger.create({ ...onDisk(db, 'correct horse'), relayUrl: relay.url }));
    const dave = await newUser(relay.url);
    await carol.connect();
    await dave.m.connect();
    await carol.addContact('dave', dave.m.address);
    await dave.m.addContact('carol', carol.address);
    const got = nextEvent(dave.m, 'message');
    await (
      await carol.send('dave', secret)
    ).accepted;
    await got;
    const back = nextEvent(carol, 'message');
    await (
      await dave.m.send('carol', 'reply ' + secret)
    ).accepted;
    await back;
    const address = carol.address;
    await carol.close();

    for (const f of readdirSync(home.dir)) {
      const bytes = readFileSync(join(home.dir, f));
      assert.equal(bytes.indexOf(Buffer.from('eagle')), -1, `plaintext found in ${f}`);
      assert.equal(bytes.indexOf(Buffer.from(dave.m.accountId)), -1, `contact id found in ${f}`);
    }

    await assert.rejects(Messenger.open(onDisk(db, 'wrong horse')), (e: unknown) =>
      MessengerError.is(e, 'WrongPassphrase'),
    );

    const again = tracked(await Messenger.open(onDisk(db, 'correct horse')));
    assert.equal(again.address, address);
    assert.deepEqual(
      (await again.history('dave', 10)).map((h) => h.text),
      [secret, 'reply ' + secret],
    );
    await again.connect();
    const more = nextEvent(dave.m, 'message');
    await (
      await again.send('dave', 'still here')
    ).accepted;
    assert.equal((await more).entry.text, 'still here');
    await again.close();
    await dave.m.close();
    home.remove();
  });

  void it('opening an empty home is NoAccount', async () => {
    const home = tempDir();
    await assert.rejects(Messenger.open(onDisk(join(home.dir, 'x.db'), 'p')), (e: unknown) =>
      MessengerError.is(e, 'NoAccount'),
    );
    home.remove();
  });
});
