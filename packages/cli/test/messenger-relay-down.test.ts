// A relay that is down, with the real `sotto` executable: a command that cannot reach it fails with
// one line and exit 3 within seconds, instead of retrying forever or leaving a half-made home behind.
// (Split from messenger-trust.test.ts: these wait out the connect grace, and together they took that
// file near a minute on a loaded machine.)
import { describe, it } from 'node:test';
import {
  assertOneLineError,
  closedPort,
  ok,
  okInProcess,
  relayForFile,
  sottoInProcess,
  sotto,
  startSotto,
  startTestRelay,
  tempDir,
} from './sotto-harness.js';

const relay = relayForFile();

void describe('sotto with the relay down', () => {
  void it('an init that could not reach the relay leaves nothing behind: the same init succeeds once the relay is up', async () => {
    const home = tempDir();
    const down = await sotto(home, ['init', '--server', `http://127.0.0.1:${await closedPort()}`]);
    assertOneLineError(down, 3, /unreachable/);
    await ok(home, ['init', '--server', relay.url]);
  });

  void it('send and inbox with the relay down exit 3 within seconds instead of retrying forever', async () => {
    const gone = await startTestRelay();
    const [home, bob] = [tempDir(), tempDir()];
    try {
      await Promise.all([
        okInProcess(home, ['init', '--server', gone.url]),
        okInProcess(bob, ['init', '--server', gone.url, '--username', 'bob']),
      ]);
      await okInProcess(home, ['contact', 'add', 'bob', '@bob']);
    } finally {
      await gone.close();
    }
    // Both at once, each given up after its connect grace; a hang is killed after 20 s (code null)
    // and fails the assertion below.
    const runs = [['send', 'bob', 'hello'], ['inbox']].map((argv) => {
      const p = startSotto(home, argv, 20_000);
      p.end();
      return p.exit;
    });
    for (const r of await Promise.all(runs)) {
      assertOneLineError(r, 3, /unreachable \(is it running, at the URL this home was set up with\?\)/);
    }
  });

  void it('a relay refusing new accounts for now: init exits 3 saying to try again, and leaves no account behind', async () => {
    const busy = await startTestRelay({ registrationsPerMinute: 1 });
    try {
      await okInProcess(tempDir(), ['init', '--server', busy.url]);
      const home = tempDir();
      assertOneLineError(
        await sottoInProcess(home, ['init', '--server', busy.url]),
        3,
        /^error: the relay refused for now \(RateLimited\): try again in a minute$/,
      );
      assertOneLineError(await sottoInProcess(home, ['whoami']), 5, /no account/);
    } finally {
      await busy.close();
    }
  });
});
