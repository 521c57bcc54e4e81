// Two people chatting with the real `sotto` executable against a real relay on loopback: init,
// contacts by @username and by address, send/inbox both ways, restart and keep history, --json
// shapes, and no plaintext in the home directories. (A crash between persist and ack, and receipts
// from a short-lived inbox: messenger-delivery.test.ts.)
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { filesContaining, jsonLines, ok, tempDir, relayForFile } from './sotto-harness.js';

const relay = relayForFile();

void describe('sotto messaging commands (executable, real relay)', () => {
  void it('two users init, add each other, exchange messages both ways, keep history across restarts; --json shapes; nothing readable on disk', async () => {
    const alice = tempDir();
    const bob = tempDir();
    const SECRET_A = 'the eagle lands at noon https://example.org/x';
    const SECRET_B = 'meet by the old mill';

    const [ia, ib] = await Promise.all([
      ok(alice, ['init', '--server', relay.url, '--username', 'alice_e2e', '--name', 'Alice', '--json']),
      ok(bob, ['init', '--server', relay.url, '--username', 'bob_e2e']),
    ]);
    const aliceInit = JSON.parse(ia.stdout) as { address: string; username: string };
    assert.match(aliceInit.address, /^sotto:[0-9a-f-]{36}\?relay=/);
    assert.equal(aliceInit.username, 'alice_e2e');
    assert.match(ib.stdout, /^sotto:/m, 'the human output prints the address');

    // Alice adds Bob by @username (trust on first use); Bob adds Alice by address (verified).
    const [addB, addA, who] = await Promise.all([
      ok(alice, ['contact', 'add', 'bob', '@bob_e2e', '--json']),
      ok(bob, ['contact', 'add', 'alice', aliceInit.address, '--json']),
      ok(alice, ['whoami', '--json']),
    ]);
    assert.equal((JSON.parse(addB.stdout) as { trust: string }).trust, 'unverified');
    assert.equal((JSON.parse(addA.stdout) as { trust: string }).trust, 'verified');
    const me = JSON.parse(who.stdout) as Record<string, unknown>;
    assert.equal(me['address'], aliceInit.address);
    assert.equal(me['username'], 'alice_e2e');
    assert.equal(me['name'], 'Alice');
    assert.match(String(me['identityFingerprint']), /^([0-9a-f]{4} ){7}[0-9a-f]{4}$/);

    // Both ways, at the same time; Bob's text comes from stdin.
    const [sa, sb] = await Promise.all([
      ok(alice, ['send', 'bob', SECRET_A, '--json']),
      ok(bob, ['send', 'alice', '-'], { input: SECRET_B + '\n' }),
    ]);
    assert.equal((JSON.parse(sa.stdout) as { state: string }).state, 'sent');
    assert.match(sb.stdout, /^sent [0-9a-f]{32}$/m);

    const [inA, inB] = await Promise.all([ok(alice, ['inbox', '--json']), ok(bob, ['inbox', '--json'])]);
    const gotA = jsonLines(inA.stdout);
    const gotB = jsonLines(inB.stdout);
    assert.equal(gotA.length, 1, inA.stdout);
    assert.equal(gotB.length, 1, inB.stdout);
    assert.equal(gotA[0]?.['from'], 'bob');
    assert.equal(gotA[0]?.['text'], SECRET_B);
    assert.equal(gotB[0]?.['from'], 'alice');
    assert.equal(gotB[0]?.['text'], SECRET_A, 'links arrive as plain text');
    for (const m of [...gotA, ...gotB]) {
      assert.match(String(m['id']), /^[0-9a-f]{32}$/);
      assert.ok(!Number.isNaN(Date.parse(String(m['sent']))));
    }

    // New processes: inbox is empty (already read), history keeps both messages in order.
    const [again, histA, histB, list] = await Promise.all([
      ok(alice, ['inbox', '--json']),
      ok(alice, ['history', 'bob', '--json']),
      ok(bob, ['history', 'alice', '--limit', '1']),
      ok(alice, ['contact', 'list', '--json']),
    ]);
    assert.equal(again.stdout, '', 'nothing new the second time');
    const h = jsonLines(histA.stdout);
    assert.deepEqual(h.map((x) => [x['direction'], x['text']]).sort(), [
      ['in', SECRET_B],
      ['out', SECRET_A],
    ]);
    assert.equal(histB.stdout.trim().split('\n').length, 1, '--limit 1');
    const contacts = JSON.parse(list.stdout) as { name: string; username: string }[];
    assert.deepEqual(
      contacts.map((c) => [c.name, c.username]),
      [['bob', 'bob_e2e']],
    );

    // At rest: no message text in any file of either home, in any common encoding.
    for (const home of [alice, bob]) {
      for (const s of [SECRET_A, SECRET_B, 'eagle lands', 'old mill']) {
        assert.deepEqual(filesContaining(home, s), [], `"${s}" readable in ${home}`);
      }
    }
  });
});
