// Delivery with the real `sotto` executable against a real relay on loopback: a receiver that crashes
// between persisting and acking gets the message exactly once after restart, and a short-lived inbox
// sends the receipts for what it received before it exits. (Split from messenger-e2e.test.ts, which
// took over a minute with these on a loaded machine; the pairs are set up in-process, the commands
// under test run as the executable.)
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { contactsPairInProcess, jsonLines, ok, relayForFile } from './sotto-harness.js';

const relay = relayForFile();

// The two tests have their own pairs and run at once (no hang limit here to run into).
void describe('sotto message delivery (executable, real relay)', { concurrency: true }, () => {
  void it('a receiver killed between persisting and acking gets the message exactly once after restart', async () => {
    const { alice, bob } = await contactsPairInProcess(relay.url);
    await ok(alice, ['send', 'bob', 'exactly once, please']);

    // The test-only hook exits the process right after the batch is committed, before the ack.
    const crashed = await ok(bob, ['inbox', '--json'], { env: { SOTTO_TEST_EXIT_BEFORE_ACK: '1' } }, 99);
    assert.equal(crashed.stdout, '', 'it died before printing');

    const first = await ok(bob, ['inbox', '--json']);
    assert.deepEqual(
      jsonLines(first.stdout).map((m) => m['text']),
      ['exactly once, please'],
    );
    const [second, hist] = await Promise.all([
      ok(bob, ['inbox', '--json']),
      ok(bob, ['history', 'alice', '--json']),
    ]);
    assert.equal(second.stdout, '', 'acked: not delivered again');
    assert.equal(jsonLines(hist.stdout).length, 1, 'stored once');
  });

  void it('every message a short-lived inbox received is shown delivered to its sender', async () => {
    // `inbox` must not exit with the receipts for what it just received still unsent.
    const { alice, bob } = await contactsPairInProcess(relay.url);
    const texts = ['one', 'two', 'three'];
    for (const t of texts) await ok(alice, ['send', 'bob', t]);

    const got = await ok(bob, ['inbox', '--json']);
    assert.deepEqual(
      jsonLines(got.stdout).map((m) => m['text']),
      texts,
    );
    // Alice picks up the receipts the relay holds for her.
    await ok(alice, ['inbox', '--wait', '1']);
    const hist = jsonLines((await ok(alice, ['history', 'bob', '--json'])).stdout);
    assert.deepEqual(
      hist.map((h) => [h['text'], h['state']]),
      texts.map((t) => [t, 'delivered']),
    );
  });
});
