// `sotto chat NAME` with standard input from a pipe (a script, `printf … | sotto chat bob`): lines
// read before the session is ready are queued and sent in order, /quit ends it, and end of input
// ends it once everything read was accepted by the relay (exit 0). A line that was not sent fails the
// run with the exit code of its refusal, so the script can tell.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import {
  contactsPairInProcess,
  jsonLines,
  okInProcess,
  relayForFile,
  sottoInProcess,
  startSotto,
  tempDir,
  type Run,
} from './sotto-harness.js';

const relay = relayForFile();
// Each test has its own pair (set up in-process: only the chat needs the real executable), so the
// tests are independent and run two at a time: most of their time is the chat process starting.
// (Two, not more: with three, chats in the full package run on a loaded machine passed the 20 s
// hang limit.)
const pair = () => contactsPairInProcess(relay.url);

/**
 * `sotto chat bob` in `home` fed `input` through a pipe that is then closed (end of input). A chat
 * still running after 20 s is killed and reported as a hang.
 */
async function pipedChat(
  home: string,
  input: string,
  contact = 'bob',
  flags: string[] = [],
  writeOnceSeen?: RegExp,
): Promise<Run> {
  const chat = startSotto(home, ['chat', contact, ...flags]);
  // The input is written (and ended) at once, or only once stdout matched `writeOnceSeen`.
  if (writeOnceSeen === undefined) chat.end(input);
  else
    void chat.seen(writeOnceSeen).then(
      () => chat.end(input),
      () => {},
    );
  const { hung, ...r } = await chat.exit;
  if (hung) throw new Error(`sotto chat did not exit within 20 s; stdout: ${r.stdout}`);
  return r;
}

/** What bob's inbox shows now (in-process: only the chat itself needs the real executable). */
async function inboxTexts(home: string): Promise<unknown[]> {
  const r = await sottoInProcess(home, ['inbox', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return jsonLines(r.stdout).map((m) => m['text']);
}

void describe('sotto chat with piped standard input', { concurrency: 2 }, () => {
  void it('sends every line read before the session was ready, in order, and exits 0 at end of input', async () => {
    const { alice, bob } = await pair();
    const r = await pipedChat(alice, 'first line\nsecond line\n');
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    assert.deepEqual(await inboxTexts(bob), ['first line', 'second line']);
    assert.match(r.stdout, /me → bob: first line[^]*me → bob: second line/, 'shown in order');
  });

  void it('ends on /quit and ignores what follows it', async () => {
    const { alice, bob } = await pair();
    const r = await pipedChat(alice, 'before quit\n/quit\nafter quit\n');
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    assert.deepEqual(await inboxTexts(bob), ['before quit']);
  });

  void it('exits 0 on end of input with nothing to send', async () => {
    const { alice, bob } = await pair();
    const r = await pipedChat(alice, '');
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    assert.deepEqual(await inboxTexts(bob), []);
  });

  void it('exits 2 when a line is too long to send, after sending the others', async () => {
    const { alice, bob } = await pair();
    const r = await pipedChat(alice, `before\n${'x'.repeat(40_000)}\nafter\n`);
    assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, /^error: 1 message not sent; the first: text is 40000 bytes/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(await inboxTexts(bob), ['before', 'after']);
  });

  void it('exits 6 when the safety number changed and lines were refused', async () => {
    // carol's contact "dave" moves to a new account with a new identity key, which writes to her.
    // (Set up in-process: only the chat needs the real executable.)
    const [carol, dave, dave2] = [tempDir(), tempDir(), tempDir()];
    const init = await okInProcess(carol, ['init', '--server', relay.url, '--json']);
    const carolAddress = (JSON.parse(init.stdout) as { address: string }).address;
    await okInProcess(dave, ['init', '--server', relay.url, '--username', 'davepiped']);
    await okInProcess(carol, ['contact', 'add', 'dave', '@davepiped']);
    await okInProcess(dave, ['username', 'clear']);
    await okInProcess(dave2, ['init', '--server', relay.url, '--username', 'davepiped']);
    await okInProcess(dave2, ['contact', 'add', 'carol', carolAddress]);
    await okInProcess(dave2, ['send', 'carol', 'new phone']);
    assert.match((await okInProcess(carol, ['inbox'])).stderr, /safety number with dave changed/);
    const r = await pipedChat(carol, 'are you there?\n', 'dave');
    assert.equal(r.code, 6, `exit ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, /^error: 1 message not sent; the first: .*sotto verify dave --accept/m);
  });

  void it('--history 0 shows no earlier messages; a --history that is not a whole number exits 2', async () => {
    const { alice } = await pair();
    await okInProcess(alice, ['send', 'bob', 'an earlier message']);
    const r = await pipedChat(alice, '', 'bob', ['--history', '0']);
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    assert.doesNotMatch(r.stdout, /an earlier message/);
    for (const bad of ['abc', '-5', '2.5', '']) {
      const refused = await sottoInProcess(alice, ['chat', 'bob', `--history=${bad}`]);
      assert.equal(refused.code, 2, `--history=${bad}: exit ${refused.code}: ${refused.stderr}`);
      assert.match(refused.stderr, /^error: invalid --history: expected 0\.\.100000/);
    }
  });

  void it('prints no input prompt when its input is a pipe, also while the pipe stays open', async () => {
    const { alice } = await pair();
    const r = await pipedChat(alice, 'written after connecting\n', 'bob', [], /connected/);
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    assert.match(r.stdout, /me → bob: written after connecting/);
    assert.doesNotMatch(r.stdout, /^> /m, 'no "> " prompt in piped output');
  });
});
