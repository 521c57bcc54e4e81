// Merging a contacts sync from another of our devices (contact-sync.ts), on the local state alone:
// what is added, what is never changed (a key trusted here, an existing contact's name), what only
// moves upward (verified), and which entries are skipped as malformed.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { PrivateKey } from '@sotto/protocol';
import { uuidToBytes } from '@sotto/wire';
import { applyContactsSync, enqueueContactsSync } from '../src/messenger/contact-sync.js';
import { decodeContent } from '../src/messenger/content.js';
import type { MessengerContext } from '../src/messenger/context.js';
import { systemRandomness } from '../src/messenger/environment.js';
import type { ContactRecord } from '../src/messenger/contact-record.js';
import type { SyncedContact } from '../src/messenger/content.js';
import { MemoryKv } from '../src/messenger/kv.js';
import { LocalState } from '../src/messenger/local-state.js';

const OWN = '00000000-0000-4000-8000-00000000000a';
const ids = Array.from({ length: 9 }, (_, i) => `00000000-0000-4000-8000-00000000000${i + 1}`);
const key = () => PrivateKey.generate().getPublicKey().serialize();

function entry(accountId: string, name: string, identityKey: Uint8Array, verified = false): SyncedContact {
  return { accountId: uuidToBytes(accountId)!, identityKey, verified, name, username: null };
}

const REQUEST = new Uint8Array(16).fill(0x42);

/** Applies `contacts` as an answer to `requestId` (by default, the request this device made). */
async function merge(kv: MemoryKv, contacts: SyncedContact[], requestId = REQUEST): Promise<string[]> {
  const state = new LocalState(kv);
  if ((await state.contactsRequest()) === undefined) state.putContactsRequest('42'.repeat(16));
  const added = await applyContactsSync(
    state,
    { kind: 'contacts', messageId: new Uint8Array(16), sentAt: 1, requestId, contacts },
    OWN,
    1000,
  );
  await state.commit();
  return added.map((c) => c.name);
}

async function seed(
  kv: MemoryKv,
  c: Partial<ContactRecord> & { accountId: string; name: string },
  k: Uint8Array,
) {
  const state = new LocalState(kv);
  state.putContact({ username: null, verified: false, source: 'username', addedAt: 1, change: null, ...c });
  state.putIdentity(c.accountId, k);
  await state.commit();
}

const view = async (kv: MemoryKv) =>
  (await new LocalState(kv).contacts())
    .map((c) => [c.name, c.accountId, c.verified, c.source] as const)
    .sort((a, b) => a[0].localeCompare(b[0]));

void describe('contacts sync: merging', () => {
  void it('adds new contacts with their key and trust, marked as synced', async () => {
    const kv = new MemoryKv();
    const [kb, kc] = [key(), key()];
    assert.deepEqual(await merge(kv, [entry(ids[0]!, 'bob', kb, true), entry(ids[1]!, 'carol', kc)]), [
      'bob',
      'carol',
    ]);
    assert.deepEqual(await view(kv), [
      ['bob', ids[0], true, 'sync'],
      ['carol', ids[1], false, 'sync'],
    ]);
    assert.deepEqual(await new LocalState(kv).identity(ids[0]!), kb);
  });

  void it('never switches a trusted key, never renames, and only raises "verified" for the same key', async () => {
    const kv = new MemoryKv();
    const [kb, kc, other] = [key(), key(), key()];
    await seed(kv, { accountId: ids[0]!, name: 'bobby' }, kb);
    await seed(kv, { accountId: ids[1]!, name: 'carol', verified: true }, kc);
    const added = await merge(kv, [
      entry(ids[0]!, 'bob', kb, true), // same key: becomes verified, keeps its name
      entry(ids[1]!, 'carol', other, false), // another key for carol: ignored entirely
    ]);
    assert.deepEqual(added, []);
    assert.deepEqual(await view(kv), [
      ['bobby', ids[0], true, 'username'],
      ['carol', ids[1], true, 'username'],
    ]);
    assert.deepEqual(await new LocalState(kv).identity(ids[1]!), kc);
    // "unverified" from the other device does not lower a verified contact here.
    await merge(kv, [entry(ids[0]!, 'bob', kb, false)]);
    assert.equal((await new LocalState(kv).contact(ids[0]!))?.verified, true);
  });

  void it('does not adopt a synced contact over a key this device already trusts for that account', async () => {
    const kv = new MemoryKv();
    const state = new LocalState(kv);
    state.putIdentity(ids[2]!, key()); // talked to before (e.g. a contact removed since), under this key
    await state.commit();
    assert.deepEqual(await merge(kv, [entry(ids[2]!, 'dave', key())]), []);
  });

  void it('applies only an answer to the request this device made', async () => {
    const kv = new MemoryKv();
    // No request made here (an old device): another device's answer to someone else is ignored.
    const state = new LocalState(kv);
    assert.deepEqual(
      await applyContactsSync(
        state,
        {
          kind: 'contacts',
          messageId: new Uint8Array(16),
          sentAt: 1,
          requestId: REQUEST,
          contacts: [entry(ids[0]!, 'bob', key())],
        },
        OWN,
        1,
      ),
      [],
    );
    // A request made here, and an answer to another one.
    assert.deepEqual(await merge(kv, [entry(ids[0]!, 'bob', key())], new Uint8Array(16).fill(1)), []);
    assert.deepEqual(await merge(kv, [entry(ids[0]!, 'bob', key())]), ['bob']);
  });

  void it('does not add an account that is waiting for an identity decision under another contact', async () => {
    const kv = new MemoryKv();
    const newAccount = ids[5]!;
    await seed(
      kv,
      { accountId: ids[0]!, name: 'bob', change: { accountId: newAccount, identityKey: key(), seenAt: 5 } },
      key(),
    );
    assert.deepEqual(await merge(kv, [entry(newAccount, 'bob new', key())]), []);
  });

  void it('gives a taken name a number, and skips our own account and malformed entries', async () => {
    const kv = new MemoryKv();
    await seed(kv, { accountId: ids[0]!, name: 'sam' }, key());
    const badKey = new Uint8Array(33).fill(5); // not a canonical Curve25519 key
    const added = await merge(kv, [
      entry(ids[1]!, 'sam', key()),
      entry(ids[2]!, 'sam', key()),
      entry(OWN, 'me', key()),
      entry(ids[3]!, 'eve', badKey),
      entry(ids[4]!, '@eve', key()),
      { ...entry(ids[5]!, 'frank', key()), username: 'NOT valid!' },
      entry(ids[6]!, 'gina\u0007', key()), // a control character in the name
    ]);
    assert.deepEqual(added, ['sam (2)', 'sam (3)']);
    assert.deepEqual(
      (await view(kv)).map((v) => v[0]),
      ['sam', 'sam (2)', 'sam (3)'],
    );
  });
});

void describe('contacts sync: answering', () => {
  // What enqueueContactsSync uses of a MessengerContext.
  const ctx = {
    accountId: OWN,
    random: systemRandomness,
    clock: { now: () => 5 },
  } as unknown as MessengerContext;

  void it('shares every contact with the key trusted here (a pending change: the key before it), in messages of 50, naming the request', async () => {
    const kv = new MemoryKv();
    const keys = Array.from({ length: 51 }, () => key());
    for (let i = 0; i < 51; i++) {
      const accountId = `00000000-0000-4000-8000-${String(i + 100).padStart(12, '0')}`;
      const change = i === 0 ? { accountId: ids[8]!, identityKey: key(), seenAt: 2 } : null;
      await seed(kv, { accountId, name: `c${i}`, verified: i === 0, change }, keys[i]!);
    }
    const state = new LocalState(kv);
    const requestId = new Uint8Array(16).fill(0x33);
    assert.equal(await enqueueContactsSync(ctx, state, requestId), 51);
    await state.commit();
    const out = await new LocalState(kv).outbox();
    assert.deepEqual(
      out.map((o) => [o.kind, o.contact, o.legs.map((l) => l.recipient)]),
      [
        ['sync', OWN, [OWN]],
        ['sync', OWN, [OWN]],
      ],
    );
    const messages = out.map((o) => decodeContent(o.legs[0]!.content));
    const shared = messages.flatMap((m) => {
      assert.equal(m.kind, 'contacts');
      if (m.kind !== 'contacts') return [];
      assert.deepEqual(m.requestId, requestId);
      return m.contacts;
    });
    assert.deepEqual(
      messages.map((m) => (m.kind === 'contacts' ? m.contacts.length : 0)).sort((a, b) => a - b),
      [1, 50],
    );
    const first = shared.find((c) => c.name === 'c0')!;
    // The contact whose key changed travels with the key trusted before the change, still verified.
    assert.deepEqual([first.identityKey, first.verified], [keys[0], true]);
  });

  void it('answers even with no contacts (one empty message), so the asking device stops asking', async () => {
    const kv = new MemoryKv();
    const state = new LocalState(kv);
    assert.equal(await enqueueContactsSync(ctx, state, new Uint8Array(16).fill(0x34)), 0);
    await state.commit();
    const out = await new LocalState(kv).outbox();
    assert.equal(out.length, 1);
    const m = decodeContent(out[0]!.legs[0]!.content);
    assert.deepEqual(m.kind === 'contacts' ? m.contacts : undefined, []);
    // The asking side: an empty answer to its request marks it answered.
    const asker = new MemoryKv();
    const s2 = new LocalState(asker);
    s2.putContactsRequest('34'.repeat(16));
    await s2.commit();
    assert.equal(await new LocalState(asker).contactsRequestAnswered(), false);
    await merge(asker, [], new Uint8Array(16).fill(0x34));
    assert.equal(await new LocalState(asker).contactsRequestAnswered(), true);
  });
});
