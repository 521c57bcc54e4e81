// `sotto chat` driven in a real pseudo-terminal (tmux): type a message, see it delivered at the
// other side, receive a reply live on screen, quit cleanly with /quit.
import { after, before, describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, PASS, jsonLines, ok, removeTempDirs, startTestRelay, tempDir } from './sotto-harness.js';

const SOCKET = `sotto-chat-test-${process.pid}`;
const tmux = (...args: string[]) =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const screen = () => tmux('capture-pane', '-p', '-J', '-t', 'chat');

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
}

let relay: Awaited<ReturnType<typeof startTestRelay>>;
before(async () => {
  relay = await startTestRelay();
});
after(async () => {
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
  await relay.close();
  removeTempDirs();
});

void describe('sotto chat (in a pseudo-terminal)', () => {
  void it('sends, shows delivery state, receives a reply live, and quits on /quit', async () => {
    const alice = tempDir();
    const bob = tempDir();
    const [ia, ib] = await Promise.all([
      ok(alice, ['init', '--server', relay.url, '--json']),
      ok(bob, ['init', '--server', relay.url, '--json']),
    ]);
    const addr = (r: { stdout: string }) => (JSON.parse(r.stdout) as { address: string }).address;
    await Promise.all([
      ok(alice, ['contact', 'add', 'bob', addr(ib)]),
      ok(bob, ['contact', 'add', 'alice', addr(ia)]),
    ]);
    await ok(alice, ['send', 'bob', 'an earlier message']);

    const exitFile = join(alice, 'chat-exit');
    const cmd =
      `env SOTTO_HOME='${alice}' SOTTO_PASSPHRASE='${PASS}' SOTTO_KDF_COST=test ` +
      `'${process.execPath}' '${BIN}' chat bob; echo $? > '${exitFile}'`;
    tmux('new-session', '-d', '-s', 'chat', '-x', '120', '-y', '40', cmd);
    await until('the chat to connect', () => /connected/.test(screen()));
    assert.match(screen(), /Chat with bob/);
    assert.match(screen(), /me → bob: an earlier message/, 'history is shown');

    tmux('send-keys', '-t', 'chat', '-l', 'hello from the terminal');
    tmux('send-keys', '-t', 'chat', 'Enter');
    await until('the relay to accept it', () => /✓ sent: hello from the terminal/.test(screen()));

    const got = await ok(bob, ['inbox', '--json']);
    assert.deepEqual(
      jsonLines(got.stdout).map((m) => m['text']),
      ['an earlier message', 'hello from the terminal'],
    );
    await ok(bob, ['send', 'alice', 'reply from bob']);
    await until('the reply on screen', () => /bob: reply from bob/.test(screen()));
    await until('the delivery receipt', () => /✓✓ delivered: hello from the terminal/.test(screen()));

    tmux('send-keys', '-t', 'chat', '-l', '/quit');
    tmux('send-keys', '-t', 'chat', 'Enter');
    await until(
      'the chat to exit',
      () => existsSync(exitFile) && readFileSync(exitFile, 'utf8').trim() !== '',
    );
    assert.equal(readFileSync(exitFile, 'utf8').trim(), '0');
  });
});
