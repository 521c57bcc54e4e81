// Identity changes with the real `sotto` executable: a contact re-registers: sending refused until `verify --accept`, `verify` shows the change.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { assertOneLineError, jsonLines, ok, sotto, tempDir, relayForFile } from './sotto-harness.js';

const relay = relayForFile();

void describe('identity changes', () => {
  void it('a contact re-registers: send is refused until verify --accept; verify shows the change; --scan verifies', async () => {
    const alice = tempDir();
    const bob = tempDir();
    const bob2 = tempDir();
    const ia = await ok(alice, ['init', '--server', relay.url, '--json']);
    await ok(bob, ['init', '--server', relay.url, '--username', 'bob_trust']);
    const aliceAddress = (JSON.parse(ia.stdout) as { address: string }).address;
    await ok(alice, ['contact', 'add', 'bob', '@bob_trust']);
    const before = JSON.parse((await ok(alice, ['verify', 'bob', '--json'])).stdout) as Record<
      string,
      unknown
    >;
    assert.match(String(before['safetyNumber']), /^\d{60}$/);
    assert.match(String(before['grouped']), /^(\d{5} ){11}\d{5}$/);
    assert.equal(before['changed'], false);

    // Bob loses his phone: the old account releases the username, and a new account with a new
    // identity key claims it.
    await ok(bob, ['username', 'clear']);
    await ok(bob2, ['init', '--server', relay.url, '--username', 'bob_trust']);
    await ok(bob2, ['contact', 'add', 'alice', aliceAddress]);
    await ok(bob2, ['send', 'alice', 'new phone, same bob']);

    const inbox = await ok(alice, ['inbox', '--json']);
    assert.equal(inbox.stdout, '', 'held, not shown, until accepted');
    assert.match(inbox.stderr, /safety number with bob changed/);

    const [refused, shown, shownText] = await Promise.all([
      sotto(alice, ['send', 'bob', 'are you there?']),
      ok(alice, ['verify', 'bob', '--json']),
      ok(alice, ['verify', 'bob']),
    ]);
    assertOneLineError(refused, 6, /sotto verify bob, then sotto verify bob --accept/);
    const after = JSON.parse(shown.stdout) as Record<string, unknown>;
    assert.equal(after['changed'], true);
    assert.equal(after['trust'], 'changed');
    assert.notEqual(after['safetyNumber'], before['safetyNumber'], 'the number changed');
    assert.match(shownText.stdout, /SAFETY NUMBER CHANGED/);

    const accepted = JSON.parse((await ok(alice, ['verify', 'bob', '--accept', '--json'])).stdout) as Record<
      string,
      unknown
    >;
    assert.deepEqual(accepted, { contact: 'bob', accepted: true, trust: 'unverified' });
    await ok(alice, ['send', 'bob', 'welcome back']);
    const [hist, got, theirs] = await Promise.all([
      ok(alice, ['history', 'bob', '--json']),
      ok(bob2, ['inbox', '--json']),
      ok(bob2, ['verify', 'alice', '--json']),
    ]);
    assert.deepEqual(
      jsonLines(hist.stdout)
        .map((m) => m['text'])
        .sort(),
      ['new phone, same bob', 'welcome back'],
    );
    assert.deepEqual(
      jsonLines(got.stdout).map((m) => m['text']),
      ['welcome back'],
    );

    // Verify from the other side's scannable code: a wrong code is refused, the right one (hex) works.
    const code = JSON.parse(theirs.stdout) as { scannableHex: string; safetyNumber: string };
    const flipped = code.scannableHex.slice(0, -2) + (code.scannableHex.endsWith('00') ? '01' : '00');
    assertOneLineError(await sotto(alice, ['verify', 'bob', '--scan', flipped]), 6, /does not match/);
    const verified = JSON.parse(
      (await ok(alice, ['verify', 'bob', '--scan', code.scannableHex, '--json'])).stdout,
    ) as {
      trust: string;
    };
    assert.equal(verified.trust, 'verified');
  });
});
