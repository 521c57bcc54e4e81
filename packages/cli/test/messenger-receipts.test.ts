// Delivery receipts through the real `sotto` executable: a short-lived `inbox` must not exit with
// the receipts for what it just received still unsent, or the sender sees "sent" forever.
import { after, before, describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { jsonLines, ok, removeTempDirs, startTestRelay, tempDir } from './sotto-harness.js';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
before(async () => {
  relay = await startTestRelay();
});
after(async () => {
  await relay.close();
  removeTempDirs();
});

void describe('delivery receipts (executable, real relay)', () => {
  void it('every message an inbox run received is shown delivered to its sender', async () => {
    const alice = tempDir();
    const bob = tempDir();
    const [ia] = await Promise.all([
      ok(alice, ['init', '--server', relay.url, '--json']),
      ok(bob, ['init', '--server', relay.url, '--username', 'bob_receipts']),
    ]);
    const aliceAddress = (JSON.parse(ia.stdout) as { address: string }).address;
    await Promise.all([
      ok(alice, ['contact', 'add', 'bob', '@bob_receipts']),
      ok(bob, ['contact', 'add', 'alice', aliceAddress]),
    ]);
    const texts = ['one', 'two', 'three'];
    for (const t of texts) await ok(alice, ['send', 'bob', t]);

    const got = await ok(bob, ['inbox', '--json']);
    assert.deepEqual(
      jsonLines(got.stdout).map((m) => m['text']),
      texts,
    );
    // Alice picks up whatever receipts the relay holds for her (one run, then a second in case the
    // first one raced the last receipt).
    await ok(alice, ['inbox', '--wait', '1']);
    const hist = jsonLines((await ok(alice, ['history', 'bob', '--json'])).stdout);
    assert.deepEqual(
      hist.map((h) => [h['text'], h['state']]),
      texts.map((t) => [t, 'delivered']),
    );
  });
});
