// Two sotto commands on one home at once. The relay keeps one connection per device, so the one that
// connects last takes the connection over: the other must end with a clear error and exit 3, not
// stay open receiving nothing (inbox --wait, chat) or wait forever for an acceptance (send).
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { BIN, PASS, ROOT, relayForFile, sottoInProcess, tempDir, type Run } from './sotto-harness.js';

const relay = relayForFile();

/** Setup and the second command run in-process; the command under test is the real executable. */
async function inProcessOk(home: string, args: string[]): Promise<Run> {
  const r = await sottoInProcess(home, args);
  assert.equal(r.code, 0, `sotto ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r;
}

async function pair(): Promise<{ alice: string; bob: string }> {
  const [alice, bob] = [tempDir(), tempDir()];
  const suffix = Math.random().toString(36).slice(2, 8);
  await inProcessOk(alice, ['init', '--server', relay.url, '--username', `alice_${suffix}`]);
  await inProcessOk(bob, ['init', '--server', relay.url, '--username', `bob_${suffix}`]);
  await inProcessOk(alice, ['contact', 'add', 'bob', `@bob_${suffix}`]);
  await inProcessOk(bob, ['contact', 'add', 'alice', `@alice_${suffix}`]);
  return { alice, bob };
}

/**
 * Starts `sotto ARGS` in `home` (stdin a pipe left open); `seen(re)` resolves once stdout matched;
 * `exit` resolves with the run, or null if it was still running after 20 s (then it is killed).
 */
function start(home: string, args: string[]): { seen(re: RegExp): Promise<void>; exit: Promise<Run | null> } {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, SOTTO_HOME: home, SOTTO_PASSPHRASE: PASS, SOTTO_KDF_COST: 'test' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: (() => void)[] = [];
  proc.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    for (const w of watchers) w();
  });
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    proc.kill('SIGKILL');
  }, 20_000);
  const exit = new Promise<Run | null>((resolve) =>
    proc.on('close', (code) => {
      clearTimeout(timer);
      for (const w of watchers) w();
      resolve(hung ? null : { code, stdout, stderr });
    }),
  );
  const seen = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (re.test(stdout)) resolve();
        else if (proc.exitCode !== null || proc.signalCode !== null)
          reject(new Error(`exited before ${String(re)}: ${stderr}`));
      };
      watchers.push(check);
      check();
    });
  return { seen, exit };
}

function assertTakenOver(r: Run | null, what: string): void {
  assert.ok(r !== null, `${what} was still running 20 s after its connection was taken over`);
  assert.equal(r.code, 3, `${what}: exit ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, /^error: another sotto command on this home connected to the relay/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

void describe('two commands on the same home at once', () => {
  void it('inbox --wait ends with exit 3 when another command on its home takes the connection', async () => {
    const { alice, bob } = await pair();
    const inbox = start(alice, ['inbox', '--wait', '60']);
    await inProcessOk(bob, ['send', 'alice', 'ping']);
    await inbox.seen(/alice|bob: ping/);
    await inProcessOk(alice, ['send', 'bob', 'from the other terminal']);
    assertTakenOver(await inbox.exit, 'inbox --wait');
  });

  void it('chat ends with exit 3 when another command on its home takes the connection', async () => {
    const { alice } = await pair();
    const chat = start(alice, ['chat', 'bob']);
    await chat.seen(/connected/);
    await inProcessOk(alice, ['send', 'bob', 'from the other terminal']);
    assertTakenOver(await chat.exit, 'chat');
  });
});
