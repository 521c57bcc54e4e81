// `sotto delete-account`: nothing without --yes; with it the relay forgets the account (its username
// is free, a contact's message to it is refused) and the home's state is gone; with the relay down
// nothing is deleted anywhere. The headline run uses the real executable.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertOneLineError,
  contactsPairInProcess,
  okInProcess,
  relayForFile,
  sotto,
  sottoInProcess,
  startTestRelay,
  tempDir,
} from './sotto-harness.js';

const relay = relayForFile();

void describe('sotto delete-account', () => {
  void it('does nothing without --yes; with it deletes the account on the relay and the home state', async () => {
    const { alice, bob } = await contactsPairInProcess(relay.url);
    const who = JSON.parse((await okInProcess(alice, ['whoami', '--json'])).stdout) as {
      accountId: string;
      username: string;
    };
    assertOneLineError(await sottoInProcess(alice, ['delete-account']), 2, /run it again with --yes/);
    await okInProcess(alice, ['whoami']);

    const r = await sotto(alice, ['delete-account', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      deleted: boolean;
      accountId: string;
      username: string;
      home: string;
    };
    assert.deepEqual(
      [out.deleted, out.accountId, out.username, out.home],
      [true, who.accountId, who.username, alice],
    );
    assert.deepEqual(
      readdirSync(alice).filter((f) => f.startsWith('sotto.db') || f === 'profile.json'),
      [],
      'no state left in the home',
    );
    assertOneLineError(await sottoInProcess(alice, ['whoami']), 5, /no account/);
    // The relay forgot it: the username is free, and a contact's message is refused for good.
    assertOneLineError(
      await sottoInProcess(bob, ['contact', 'add', 'again', `@${who.username}`]),
      5,
      /no such username/,
    );
    assertOneLineError(
      await sottoInProcess(bob, ['send', 'alice', 'still there?']),
      5,
      /^error: alice has no account on the relay any more \(it was deleted\)$/,
    );
    const mine = tempDir();
    await okInProcess(mine, ['init', '--server', relay.url, '--username', who.username]);
  });

  void it('a home whose account was deleted elsewhere: exit 4 saying so, nothing deleted, how to remove it', async () => {
    const home = tempDir();
    await okInProcess(home, ['init', '--server', relay.url]);
    const copy = tempDir();
    cpSync(home, copy, { recursive: true }); // the same device's state, as a second copy of the home
    await okInProcess(home, ['delete-account', '--yes']);
    assertOneLineError(
      await sottoInProcess(copy, ['delete-account', '--yes']),
      4,
      /^error: the relay no longer recognises this device \(was it, or its whole account, deleted from another device\?\); nothing was deleted\. To remove this home's state too: rm -r \S+$/,
    );
    assert.ok(existsSync(join(copy, 'sotto.db')));
    // Any other command that asks the relay says the same, with the exit code for authentication.
    assertOneLineError(
      await sottoInProcess(copy, ['username', 'set', 'someone_new']),
      4,
      /no longer recognises/,
    );
  });

  void it('with the relay down it fails with exit 3 and deletes nothing', async () => {
    const gone = await startTestRelay();
    const home = tempDir();
    try {
      await okInProcess(home, ['init', '--server', gone.url]);
    } finally {
      await gone.close();
    }
    assertOneLineError(await sottoInProcess(home, ['delete-account', '--yes']), 3, /unreachable/);
    assert.ok(existsSync(join(home, 'sotto.db')));
    await okInProcess(home, ['whoami']);
  });
});
