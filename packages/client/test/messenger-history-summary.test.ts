// The chat list's cost and the per-conversation history summary (hl/ in local-state.ts): the list
// must not read more records as histories grow, and the summary must always name the newest entry.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Messenger } from '../src/messenger/messenger.js';
import { MemoryKv } from '../src/messenger/kv.js';
import { LocalState } from '../src/messenger/local-state.js';
import type { HistoryEntry } from '../src/messenger/history-record.js';
import type { ContactRecord } from '../src/messenger/contact-record.js';
import {
  countReads,
  baseOptions,
  contactsPair,
  eventually,
  nextEvent,
  suiteRelay,
  tracked,
} from './messenger-harness.js';

const relay = suiteRelay();

/** Forgets every summary: the store as the version before summaries left it. */
function dropSummaries(kv: MemoryKv): number {
  const keys = [...kv.map.keys()].filter((k) => k.startsWith('hl/'));
  for (const k of keys) kv.map.delete(k);
  return keys.length;
}

const hex = (n: number, width = 32) => n.toString(16).padStart(width, '0');

function contact(i: number): ContactRecord {
  return {
    name: `friend${i}`,
    accountId: hex(1000 + i),
    username: null,
    verified: false,
    source: 'address',
    addedAt: 1,
    change: null,
  };
}

function entry(contactId: string, n: number, sentAt: number): HistoryEntry {
  return {
    id: hex(n),
    contact: contactId,
    direction: n % 2 ? 'in' : 'out',
    text: `message ${n}`,
    sentAt,
    receivedAt: n % 2 ? sentAt + 1 : null,
    state: n % 2 ? 'received' : 'sent',
  };
}

/** Adds `perContact` more messages to each of `contacts`, one transaction per message. */
async function addMessages(kv: MemoryKv, contacts: ContactRecord[], perContact: number, from: number) {
  let n = from;
  for (let k = 0; k < perContact; k++) {
    for (const c of contacts) {
      const s = new LocalState(kv);
      await s.putHistory(entry(c.accountId, n, 1_000_000 + n));
      await s.commit();
      n++;
    }
  }
  return n;
}

void describe('the chat list (conversations())', () => {
  void it('reads the same number of records with 5 or 200 messages per conversation, also after opening a store without summaries', async () => {
    const store = new MemoryKv();
    const m = tracked(await Messenger.create({ ...baseOptions(store), relayUrl: relay.url }));
    const contacts = [contact(1), contact(2), contact(3)];
    const setup = new LocalState(store);
    for (const c of contacts) setup.putContact(c);
    await setup.commit();
    const counter = countReads(store);
    const readsFor = async () => {
      counter.reads = 0;
      const convs = await m.conversations();
      const reads = counter.reads;
      for (const v of convs) {
        const c = contacts.find((x) => x.name === v.contact.name)!;
        assert.deepEqual(v.last, (await m.history(c.name, 1))[0] ?? null);
      }
      return reads;
    };

    const n = await addMessages(store, contacts, 5, 0);
    const few = await readsFor();
    await addMessages(store, contacts, 195, n);
    const many = await readsFor();
    assert.equal(many, few, `records read: ${few} with 5 messages each, ${many} with 200`);
    assert.ok(many < 40, `records read for 3 conversations: ${many}`);

    // A store from before summaries: the first list computes and keeps them, the next is cheap again.
    assert.equal(dropSummaries(store), 3);
    const first = await readsFor();
    assert.ok(first > 600, `the first list after the upgrade lists each history once (${first})`);
    assert.equal([...store.map.keys()].filter((k) => k.startsWith('hl/')).length, 3);
    assert.equal(await readsFor(), few);
    await m.close();
  });
});

void describe('the history summary', () => {
  void it('follows send, receipts, receive, removal and a reopened store without summaries', async () => {
    const { alice, bob } = await contactsPair(relay.url);
    const agrees = async (m: Messenger, name: string) => {
      const last = (await m.conversations()).find((v) => v.contact.name === name)?.last ?? null;
      assert.deepEqual(last, (await m.history(name, 1))[0] ?? null);
      return last;
    };
    assert.equal(await agrees(alice.m, 'bob'), null);

    const got = nextEvent(bob.m, 'message', (e) => e.entry.text === 'one');
    const delivered = nextEvent(alice.m, 'delivery', (e) => e.state === 'delivered');
    const sent = await alice.m.send('bob', 'one');
    assert.equal((await agrees(alice.m, 'bob'))?.state, 'sending');
    await sent.accepted;
    await got;
    assert.equal((await agrees(bob.m, 'alice'))?.text, 'one');
    await delivered;
    assert.equal((await agrees(alice.m, 'bob'))?.state, 'delivered');

    const back = nextEvent(alice.m, 'message', (e) => e.entry.text === 'two');
    await (
      await bob.m.send('alice', 'two')
    ).accepted;
    await back;
    assert.equal((await agrees(alice.m, 'bob'))?.text, 'two');

    // Reopen alice's store as the previous version left it (no summaries).
    await alice.m.close();
    assert.ok(dropSummaries(alice.store) >= 1);
    const alice2 = tracked(await Messenger.open(baseOptions(alice.store)));
    assert.equal((await agrees(alice2, 'bob'))?.text, 'two');
    await alice2.connect();
    const three = await alice2.send('bob', 'three');
    assert.equal((await agrees(alice2, 'bob'))?.text, 'three');
    await three.accepted;
    await eventually(async () => (await alice2.history('bob', 1))[0]?.state !== 'sending');
    assert.equal((await agrees(alice2, 'bob'))?.text, 'three');

    // Removing the contact removes its history and summary; adding it again starts empty.
    await bob.m.removeContact('alice');
    assert.equal(
      [...bob.store.map.keys()].filter((k) => k.startsWith('hl/') || k.startsWith('h/')).length,
      0,
    );
    await bob.m.addContact('alice', alice2.address);
    assert.equal(await agrees(bob.m, 'alice'), null);
    await alice2.close();
    await bob.m.close();
  });

  void it('always names the newest entry, whatever the order of writes, state changes, moves, deletes and missing summaries', async () => {
    const ids = ['a', 'b'].map((s) => s.repeat(32));
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('put' as const),
        contact: fc.constantFrom(...ids),
        n: fc.integer({ min: 0, max: 30 }),
        sentAt: fc.integer({ min: 0, max: 50 }),
      }),
      fc.record({ kind: fc.constant('state' as const), n: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('delete' as const), contact: fc.constantFrom(...ids) }),
      fc.record({ kind: fc.constant('move' as const), contact: fc.constantFrom(...ids) }),
      fc.record({ kind: fc.constant('drop' as const) }),
      fc.record({ kind: fc.constant('commit' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const kv = new MemoryKv();
        let s = new LocalState(kv);
        for (const o of ops) {
          if (o.kind === 'put') {
            // A message id lives in one conversation at one sentAt; a new one gets a fresh id.
            const known = await s.historyById(hex(o.n));
            if (!known) await s.putHistory(entry(o.contact, o.n, o.sentAt));
          } else if (o.kind === 'state') {
            const h = await s.historyById(hex(o.n));
            if (h) await s.putHistory({ ...h, state: 'failed' });
          } else if (o.kind === 'delete') {
            await s.deleteHistory(o.contact);
          } else if (o.kind === 'move') {
            // As acceptIdentityChange: the conversation moves to the other account id.
            const to = ids.find((x) => x !== o.contact)!;
            await s.moveHistory(o.contact, to);
          } else if (o.kind === 'drop') {
            await s.commit();
            dropSummaries(kv);
            s = new LocalState(kv);
          } else {
            await s.commit();
            s = new LocalState(kv);
          }
          for (const c of ids) {
            assert.deepEqual(await s.lastHistory(c), (await s.history(c, 1))[0] ?? null);
          }
        }
        await s.commit();
        const fresh = new LocalState(kv);
        for (const c of ids) {
          assert.deepEqual(await fresh.lastHistory(c), (await fresh.history(c, 1))[0] ?? null);
        }
      }),
      { numRuns: 200 },
    );
  });
});
