// Bad input and safety with the real `sotto` executable: one-line errors with documented exit
// codes (wrong passphrase, malformed address, unknown contact, relay unreachable, no passphrase).
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertOneLineError,
  okInProcess,
  sotto,
  tempDir,
  relayForFile,
  closedPort,
} from './sotto-harness.js';

const relay = relayForFile();

// Set-up runs in-process; the commands whose errors are checked run as the real executable (each
// start costs seconds on a loaded machine, so those of one test run at once). A relay that is down
// or gone: messenger-relay-down.test.ts.
void describe('sotto errors are one line with a documented exit code', () => {
  void it('wrong passphrase, malformed address, unknown contact/username, relay unreachable, no passphrase', async () => {
    const home = tempDir();
    await okInProcess(home, ['init', '--server', relay.url]);
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

  void it('a damaged sotto.db is one line, exit 3, naming the file, and is left untouched', async () => {
    const home = tempDir();
    const garbage = randomBytes(8192);
    writeFileSync(join(home, 'sotto.db'), garbage);
    const runs = await Promise.all(
      [['whoami'], ['send', 'bob', 'hi'], ['inbox']].map((argv) => sotto(home, argv)),
    );
    for (const r of runs) assertOneLineError(r, 3, /sotto\.db.*damaged/);
    assert.deepEqual(readFileSync(join(home, 'sotto.db')), garbage);
  });
});
