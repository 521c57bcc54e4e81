// The username a relay reports for a stranger is untrusted: @sotto/wire refuses an answer whose
// username breaks the username rule (wire's relay-client.hostile.test.ts), and the receiver names an
// auto-added contact after it only if it is a valid contact name. A contact this device cannot
// share (such a name, stored by an older version) is left out of its contacts-sync answer instead
// of the whole answer being dropped.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { PrivateKey } from '@sotto/protocol';
import type { AccountInfo } from '@sotto/wire';
import { enqueueContactsSync } from '../src/messenger/contact-sync.js';
import { checkContactName } from '../src/messenger/contacts.js';
import { decodeContent } from '../src/messenger/content.js';
import type { MessengerContext } from '../src/messenger/context.js';
import { systemRandomness } from '../src/messenger/environment.js';
import { MemoryKv } from '../src/messenger/kv.js';
import { LocalState } from '../src/messenger/local-state.js';
import type { Messenger } from '../src/messenger/messenger.js';
import { eventually, newUser, suiteRelay } from './messenger-harness.js';

const relay = suiteRelay();
const ctxOf = (m: Messenger) => (m as unknown as { ctx: MessengerContext }).ctx;

const EVIL = '\u001b]0;pwned\u0007/../\u001b[2J' + 'A'.repeat(300);

void describe('a username reported by the relay', () => {
  void it('names an auto-added contact only when it is a valid contact name', async () => {
    const alice = await newUser(relay.url);
    const stranger = await newUser(relay.url, 'stranger_un1');
    await stranger.m.addContact('alice', alice.m.address);
    // A relay answering past the schema (as if wire let it through): the receiver's own check.
    const relayClient = ctxOf(alice.m).relay;
    const getAccount = relayClient.getAccount.bind(relayClient);
    relayClient.getAccount = async (id, opts): Promise<AccountInfo> => ({
      ...(await getAccount(id, opts)),
      username: EVIL,
    });
    const shown: string[] = [];
    alice.m.on('message', (e) => shown.push(`${e.contact}: ${e.entry.text}`));
    await (
      await stranger.m.send('alice', 'hello')
    ).accepted;
    await alice.m.connect();
    await eventually(() => shown.length === 1);
    const [contact] = await alice.m.contacts();
    assert.equal(contact!.name, `unknown-${stranger.m.accountId.slice(0, 8)}`);
    assert.equal(contact!.username, null, 'the invalid username is not kept either');
    assert.deepEqual(shown, [`${contact!.name}: hello`]);
    await alice.m.close();
    await stranger.m.close();
  });

  void it('a contact that cannot be shared is left out of the contacts-sync answer, not the whole answer', async () => {
    const kv = new MemoryKv();
    const state = new LocalState(kv);
    const ok = '00000000-0000-4000-8000-000000000001';
    const bad = '00000000-0000-4000-8000-000000000002';
    const badUsername = '00000000-0000-4000-8000-000000000003';
    const base = { verified: false, source: 'incoming' as const, addedAt: 1, change: null };
    state.putContact({ ...base, name: 'carol', accountId: ok, username: 'carol' });
    state.putContact({ ...base, name: EVIL, accountId: bad, username: null });
    state.putContact({ ...base, name: 'dave', accountId: badUsername, username: EVIL });
    for (const id of [ok, bad, badUsername])
      state.putIdentity(id, PrivateKey.generate().getPublicKey().serialize());
    await state.commit();
    assert.throws(() => checkContactName(EVIL));

    const ctx = {
      accountId: '00000000-0000-4000-8000-00000000000a',
      random: systemRandomness,
      clock: { now: () => 5 },
    } as unknown as MessengerContext;
    const answering = new LocalState(kv);
    assert.equal(await enqueueContactsSync(ctx, answering, new Uint8Array(16).fill(0x35)), 1);
    await answering.commit();
    const out = await new LocalState(kv).outbox();
    assert.equal(out.length, 1);
    const m = decodeContent(out[0]!.legs[0]!.content);
    assert.deepEqual(m.kind === 'contacts' ? m.contacts.map((c) => [c.name, c.username]) : undefined, [
      ['carol', 'carol'],
    ]);
  });
});
