// Two sotto commands on one home at once. The relay keeps one connection per device, so the one that
// connects last takes the connection over: the other must end with a clear error and exit 3, not
// stay open receiving nothing (inbox --wait, chat) or wait forever for an acceptance (send).
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import {
  contactsPairInProcess,
  okInProcess,
  relayForFile,
  startSotto,
  type SpawnedRun,
} from './sotto-harness.js';

const relay = relayForFile();

/** Setup and the second command run in-process; the command under test is the real executable. */
const pair = () => contactsPairInProcess(relay.url);

function assertTakenOver(r: SpawnedRun, what: string): void {
  assert.ok(!r.hung, `${what} was still running 20 s after its connection was taken over`);
  assert.equal(r.code, 3, `${what}: exit ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, /^error: another sotto command on this home connected to the relay/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

void describe('two commands on the same home at once', () => {
  void it('inbox --wait ends with exit 3 when another command on its home takes the connection', async () => {
    const { alice, bob } = await pair();
    const inbox = startSotto(alice, ['inbox', '--wait', '60']);
    await okInProcess(bob, ['send', 'alice', 'ping']);
    await inbox.seen(/alice|bob: ping/);
    await okInProcess(alice, ['send', 'bob', 'from the other terminal']);
    assertTakenOver(await inbox.exit, 'inbox --wait');
  });

  void it('chat ends with exit 3 when another command on its home takes the connection', async () => {
    const { alice } = await pair();
    const chat = startSotto(alice, ['chat', 'bob']);
    await chat.seen(/connected/);
    await okInProcess(alice, ['send', 'bob', 'from the other terminal']);
    assertTakenOver(await chat.exit, 'chat');
  });
});
