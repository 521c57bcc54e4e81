// `sotto chat NAME` with standard input from a pipe (a script, `printf … | sotto chat bob`): lines
// read before the session is ready are queued and sent in order, /quit ends it, and end of input
// ends it once everything read was accepted by the relay (exit 0).
import { after, before, describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import {
  BIN,
  PASS,
  ROOT,
  initContactsPair,
  jsonLines,
  removeTempDirs,
  sottoInProcess,
  startTestRelay,
  type Run,
} from './sotto-harness.js';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
// One pair for the file: each test reads bob's inbox, which shows what arrived since the last read.
let alice: string;
let bob: string;
before(async () => {
  relay = await startTestRelay();
  ({ alice, bob } = await initContactsPair(relay.url, 'bobpiped'));
});
after(async () => {
  await relay.close();
  removeTempDirs();
});

/**
 * `sotto chat bob` in `home` fed `input` through a pipe that is then closed (end of input). A chat
 * still running after 20 s is killed and reported as a hang.
 */
function pipedChat(home: string, input: string): Promise<Run> {
  const proc = spawn(process.execPath, [BIN, 'chat', 'bob'], {
    cwd: ROOT,
    env: { ...process.env, SOTTO_HOME: home, SOTTO_PASSPHRASE: PASS, SOTTO_KDF_COST: 'test' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  proc.stdin.end(input);
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    proc.kill('SIGKILL');
  }, 20_000);
  return new Promise((resolve, reject) =>
    proc.on('close', (code) => {
      clearTimeout(timer);
      if (hung) reject(new Error(`sotto chat did not exit within 20 s; stdout: ${stdout}`));
      else resolve({ code, stdout, stderr });
    }),
  );
}

/** What bob's inbox shows now (in-process: only the chat itself needs the real executable). */
async function inboxTexts(home: string): Promise<unknown[]> {
  const r = await sottoInProcess(home, ['inbox', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return jsonLines(r.stdout).map((m) => m['text']);
}

void describe('sotto chat with piped standard input', () => {
  void it('sends every line read before the session was ready, in order, and exits 0 at end of input', async () => {
    const r = await pipedChat(alice, 'first line\nsecond line\n');
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    assert.deepEqual(await inboxTexts(bob), ['first line', 'second line']);
    assert.match(r.stdout, /me → bob: first line[^]*me → bob: second line/, 'shown in order');
  });

  void it('ends on /quit and ignores what follows it', async () => {
    const r = await pipedChat(alice, 'before quit\n/quit\nafter quit\n');
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    assert.deepEqual(await inboxTexts(bob), ['before quit']);
  });

  void it('exits 0 on end of input with nothing to send', async () => {
    const r = await pipedChat(alice, '');
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    assert.deepEqual(await inboxTexts(bob), []);
  });
});
