// Bad input and safety with the real `sotto` executable: one-line errors with documented exit
// codes (wrong passphrase, malformed address, unknown contact, relay unreachable, no passphrase).
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN,
  PASS,
  assertOneLineError,
  ok,
  sotto,
  startTestRelay,
  tempDir,
  relayForFile,
  closedPort,
} from './sotto-harness.js';

const relay = relayForFile();

void describe('sotto errors are one line with a documented exit code', () => {
  void it('wrong passphrase, malformed address, unknown contact/username, relay unreachable, no passphrase', async () => {
    const home = tempDir();
    await ok(home, ['init', '--server', relay.url]);
    const port = await closedPort();
    const [wrong, malformed, unknown, noUser, unreachable, noPass, badServer] = await Promise.all([
      sotto(home, ['whoami'], { env: { SOTTO_PASSPHRASE: 'not the passphrase' } }),
      sotto(home, ['contact', 'add', 'x', 'sotto:not-an-address?relay=x&ik=y']),
      sotto(home, ['send', 'nobody', 'hello']),
      sotto(home, ['contact', 'add', 'x', '@no_such_user_here']),
      sotto(tempDir(), ['init', '--server', `http://127.0.0.1:${port}`]),
      sotto(home, ['whoami'], { env: { SOTTO_PASSPHRASE: undefined } }),
      sotto(tempDir(), ['init', '--server', 'ftp://example']),
    ]);
    assertOneLineError(wrong, 4, /wrong passphrase/);
    assertOneLineError(malformed, 2, /malformed address/);
    assertOneLineError(unknown, 5, /nobody/);
    assertOneLineError(noUser, 5, /username/);
    assertOneLineError(unreachable, 3, /unreachable .*--server URL/);
    assertOneLineError(noPass, 2, /SOTTO_PASSPHRASE/);
    assertOneLineError(badServer, 2, /--server/);
  });

  void it('an init that could not reach the relay leaves nothing behind: the same init succeeds once the relay is up', async () => {
    const home = tempDir();
    const down = await sotto(home, ['init', '--server', `http://127.0.0.1:${await closedPort()}`]);
    assertOneLineError(down, 3, /unreachable/);
    await ok(home, ['init', '--server', relay.url]);
  });

  void it('a damaged sotto.db is one line, exit 3, naming the file, and is left untouched', async () => {
    const home = tempDir();
    const garbage = randomBytes(8192);
    writeFileSync(join(home, 'sotto.db'), garbage);
    for (const argv of [['whoami'], ['send', 'bob', 'hi'], ['inbox']]) {
      assertOneLineError(await sotto(home, argv), 3, /sotto\.db.*damaged/);
    }
    assert.deepEqual(readFileSync(join(home, 'sotto.db')), garbage);
  });

  void it('send and inbox with the relay down exit 3 within seconds instead of retrying forever', async () => {
    const gone = await startTestRelay();
    const [home, bob] = [tempDir(), tempDir()];
    try {
      await Promise.all([
        ok(home, ['init', '--server', gone.url]),
        ok(bob, ['init', '--server', gone.url, '--username', 'bob']),
      ]);
      await ok(home, ['contact', 'add', 'bob', '@bob']);
    } finally {
      await gone.close();
    }
    for (const argv of [['send', 'bob', 'hello'], ['inbox']]) {
      // A hang is killed after 20 s (status null) and fails the assertion below.
      const r = spawnSync(process.execPath, [BIN, ...argv], {
        env: { ...process.env, SOTTO_HOME: home, SOTTO_PASSPHRASE: PASS, SOTTO_KDF_COST: 'test' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      assertOneLineError(
        { code: r.status, stdout: r.stdout, stderr: r.stderr },
        3,
        /unreachable \(is it running, at the URL this home was set up with\?\)/,
      );
    }
  });
});
