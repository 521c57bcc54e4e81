// The per-conversation history index (hd/ and hp/ in local-state.ts, history-index.ts): history(limit)
// must return exactly what sorting the whole conversation returned, read O(limit) records whatever the
// conversation's length, and stores written without the index must get it on first use.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Messenger } from '../src/messenger/messenger.js';
import { MemoryKv, type KvReader } from '../src/messenger/kv.js';
import { LocalState } from '../src/messenger/local-state.js';
import { MessengerError } from '../src/messenger/errors.js';
import { decodeHistory, type HistoryEntry } from '../src/messenger/history-record.js';
import type { ContactRecord } from '../src/messenger/contact-record.js';
import {
  PAGE_SIZE,
  decodeHistoryDirectory,
  decodeHistoryPage,
  encodeHistoryDirectory,
  encodeHistoryPage,
  historyPosition,
  insertPosition,
  pageFor,
  pageInRange,
  type HistoryDirectory,
} from '../src/messenger/history-index.js';
import { encodeRecord } from '../src/messenger/record-codec.js';
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
const hex = (n: number, width = 32) => n.toString(16).padStart(width, '0');

/** history() as it was before the index: sort the whole conversation, keep the last `limit`. */
async function naiveHistory(r: KvReader, contact: string, limit: number): Promise<HistoryEntry[]> {
  const all = await r.list(`h/${contact}/`);
  return all.slice(Math.max(0, all.length - limit)).map(([, v]) => decodeHistory(v));
}

/** Forgets every index: the store as a build before the index left it. */
function dropIndexes(kv: MemoryKv): number {
  const keys = [...kv.map.keys()].filter((k) => k.startsWith('hd/') || k.startsWith('hp/'));
  for (const k of keys) kv.map.delete(k);
  return keys.filter((k) => k.startsWith('hd/')).length;
}

const indexPages = (kv: MemoryKv, contact: string) =>
  [...kv.map.keys()].filter((k) => k.startsWith(`hp/${contact}/`)).length;

function entry(contact: string, n: number, sentAt: number): HistoryEntry {
  return {
    id: hex(n),
    contact,
    direction: n % 2 ? 'in' : 'out',
    text: `message ${n}`,
    sentAt,
    receivedAt: n % 2 ? sentAt + 1 : null,
    state: n % 2 ? 'received' : 'sending',
  };
}

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

/** As a build before the index wrote history: the entry, its id pointer and the summary, no index. */
async function oldBuildPut(s: LocalState, h: HistoryEntry): Promise<void> {
  const key = `h/${h.contact}/${historyPosition(h.sentAt, h.id)}`;
  const hl = await s.tx.get(`hl/${h.contact}`);
  const last = hl && hl.length > 0 ? new TextDecoder().decode(hl) : null;
  s.tx.put(key, encodeRecord({ v: 1, ...h }));
  s.tx.put(`m/${h.id}`, new TextEncoder().encode(key));
  if (last === null || key > last) s.tx.put(`hl/${h.contact}`, new TextEncoder().encode(key));
}

const LIMITS = [0, 1, 2, 3, 17, PAGE_SIZE - 1, PAGE_SIZE, PAGE_SIZE + 1, 150, Number.MAX_SAFE_INTEGER];
const ODD_LIMITS = [NaN, 2.5, 0.5, -1, Infinity];

void describe('history(limit) through the index', () => {
  void it('returns exactly the last `limit` entries of the full sort, whatever the order of writes, state changes, moves, deletes, missing indexes and old-build writes', async () => {
    const ids = ['a', 'b'].map((s) => s.repeat(32));
    const op = fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant('puts' as const),
          contact: fc.constantFrom(...ids),
          // Few distinct sentAts: equal ones and late, older arrivals are common.
          sentAts: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 90, size: 'max' }),
          // Or nearly in order (as a live conversation): each a little behind its turn at most.
          ordered: fc.boolean(),
        }),
        weight: 4,
      },
      fc.record({ kind: fc.constant('state' as const), n: fc.integer({ min: 0, max: 400 }) }),
      fc.record({ kind: fc.constant('delete' as const), contact: fc.constantFrom(...ids) }),
      fc.record({ kind: fc.constant('move' as const), contact: fc.constantFrom(...ids) }),
      fc.record({ kind: fc.constant('dropIndex' as const) }),
      fc.record({ kind: fc.constant('oldBuild' as const), contact: fc.constantFrom(...ids) }),
      fc.record({ kind: fc.constant('commit' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
        const kv = new MemoryKv();
        let s = new LocalState(kv);
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'puts') {
            for (const sentAt of o.sentAts) {
              await s.putHistory(entry(o.contact, n, o.ordered ? 100 + n - (sentAt % 5) : sentAt));
              n++;
            }
          } else if (o.kind === 'state') {
            // A delivery state change: the same message put again in place.
            const h = await s.historyById(hex(o.n % Math.max(1, n)));
            if (h) await s.putHistory({ ...h, state: h.state === 'sent' ? 'delivered' : 'sent' });
          } else if (o.kind === 'delete') {
            await s.deleteHistory(o.contact);
          } else if (o.kind === 'move') {
            // As acceptIdentityChange: the conversation moves to the other account id.
            const to = ids.find((x) => x !== o.contact)!;
            await s.moveHistory(o.contact, to);
          } else if (o.kind === 'oldBuild') {
            // A downgrade: an older build adds a (newest) message without touching the index. The
            // index sees its summary moved and is built again (one that only adds late, older
            // messages is not noticed: see docs/client.md).
            await s.commit();
            s = new LocalState(kv);
            await oldBuildPut(s, entry(o.contact, n, 1000 + n));
            n++;
            await s.commit();
            s = new LocalState(kv);
          } else {
            await s.commit();
            if (o.kind === 'dropIndex') dropIndexes(kv);
            s = new LocalState(kv);
          }
          for (const c of ids) {
            for (const limit of LIMITS) {
              assert.deepEqual(
                await s.history(c, limit),
                await naiveHistory(s.tx, c, limit),
                `limit ${limit}`,
              );
            }
          }
        }
        await s.commit();
        const fresh = new LocalState(kv);
        for (const c of ids) {
          for (const limit of [...LIMITS, ...ODD_LIMITS]) {
            assert.deepEqual(
              await fresh.history(c, limit),
              await naiveHistory(kv, c, limit),
              `limit ${limit}`,
            );
          }
        }
      }),
      { numRuns: 120 },
    );
  });

  void it('reads O(limit) records: 50 messages of 60, 2,000 or 5,000 cost the same up to one index page', async () => {
    const store = new MemoryKv();
    const m = tracked(await Messenger.create({ ...baseOptions(store), relayUrl: relay.url }));
    const friends = [contact(1), contact(2), contact(3)];
    const setup = new LocalState(store);
    for (const c of friends) setup.putContact(c);
    await setup.commit();
    // One transaction per message, as they arrive; a few arrive late with an older sentAt.
    const add = async (c: ContactRecord, count: number) => {
      for (let k = 0; k < count; k++) {
        const s = new LocalState(store);
        await s.putHistory(entry(c.accountId, k, k % 97 === 5 ? 1_000_000 + k - 40 : 1_000_000 + k));
        await s.commit();
      }
    };
    await add(friends[0]!, 60);
    await add(friends[1]!, 2000);
    await add(friends[2]!, 5000);
    const counter = countReads(store);
    const readsFor = async (c: ContactRecord) => {
      counter.reads = 0;
      const got = await m.history(c.name, 50);
      const reads = counter.reads;
      assert.deepEqual(got, await naiveHistory(store, c.accountId, 50));
      return reads;
    };
    const [few, many, most] = [
      await readsFor(friends[0]!),
      await readsFor(friends[1]!),
      await readsFor(friends[2]!),
    ];
    // 3 contacts (finding the name), the summary, the directory, 1 or 2 pages, 50 entries.
    assert.ok(few >= 50 && many >= 50, `${few} ${many}`);
    assert.ok(
      Math.max(few, many, most) - Math.min(few, many, most) <= 1,
      `records read: ${few} / ${many} / ${most}`,
    );
    assert.ok(most <= 50 + 3 + 2 + 2, `records read for 50 of 5,000: ${most}`);
    // "Show earlier messages": a growing limit costs what it shows.
    counter.reads = 0;
    await m.history(friends[2]!.name, 500);
    assert.ok(
      counter.reads <= 500 + 3 + 2 + Math.ceil(500 / (PAGE_SIZE / 2)) + 1,
      `500 of 5,000: ${counter.reads}`,
    );
    await m.close();
  });
});

void describe('a store without the index (older build)', () => {
  void it('returns the same history, keeps the index it builds, and state changes keep working', async () => {
    const kv = new MemoryKv();
    const c = 'c'.repeat(32);
    let s = new LocalState(kv);
    for (let k = 0; k < 300; k++) await oldBuildPut(s, entry(c, k, 5000 + (k % 7 === 3 ? -k : k)));
    await s.commit();
    assert.equal(kv.map.has(`hd/${c}`), false);
    const expected = await naiveHistory(kv, c, 120);

    s = new LocalState(kv);
    assert.deepEqual(await s.history(c, 120), expected);
    await s.commit();
    assert.ok(kv.map.has(`hd/${c}`));
    assert.equal(indexPages(kv, c), Math.ceil(300 / PAGE_SIZE));

    // Now cheap, and the same.
    const counter = countReads(kv);
    assert.deepEqual(await new LocalState(kv).history(c, 120), expected);
    assert.ok(counter.reads <= 120 + 2 + 3, `records read after the migration: ${counter.reads}`);

    // A delivery state change in place: shown, and the index neither grows nor repeats it.
    s = new LocalState(kv);
    const target = expected[60]!;
    await s.putHistory({ ...target, state: 'delivered' });
    await s.commit();
    const after = await new LocalState(kv).history(c, 120);
    assert.equal(after.length, 120);
    assert.equal(after[60]!.state, 'delivered');
    assert.deepEqual(after, await naiveHistory(kv, c, 120));
    assert.equal(indexPages(kv, c), Math.ceil(300 / PAGE_SIZE));
  });

  void it('through the messenger: a reopened store gets its index under the lock, and receipts still update messages', async () => {
    const { alice, bob } = await contactsPair(relay.url);
    const texts = ['one', 'two', 'three'];
    for (const t of texts) {
      const got = nextEvent(bob.m, 'message', (e) => e.entry.text === t);
      await (
        await alice.m.send('bob', t)
      ).accepted;
      await got;
    }
    await eventually(async () => (await alice.m.history('bob', 3)).every((h) => h.state === 'delivered'));
    // bob goes offline, so 'four' stays 'sent' until alice has migrated.
    await bob.m.close();
    const sent = await alice.m.send('bob', 'four');
    await sent.accepted;
    await alice.m.close();

    assert.equal(dropIndexes(alice.store), 1);
    const alice2 = tracked(await Messenger.open(baseOptions(alice.store)));
    const h = await alice2.history('bob', 10);
    assert.deepEqual(
      h.map((e) => [e.text, e.state]),
      [...texts.map((t) => [t, 'delivered']), ['four', 'sent']],
    );
    assert.ok(
      [...alice.store.map.keys()].some((k) => k.startsWith('hd/')),
      'index kept after first use',
    );
    // bob comes back, receives 'four' and confirms it: the state changes in place.
    const bob2 = tracked(await Messenger.open(baseOptions(bob.store)));
    await alice2.connect();
    await bob2.connect();
    await eventually(async () => (await alice2.history('bob', 1))[0]?.state === 'delivered');
    assert.deepEqual(
      (await alice2.history('bob', 10)).map((e) => [e.text, e.state]),
      [...texts, 'four'].map((t) => [t, 'delivered']),
    );
    await alice2.close();
    await bob2.close();
  });
});

void describe('history index records', () => {
  const pos = (sentAt: number, n: number) => historyPosition(sentAt, hex(n));

  void it('keeps pages ordered, within their range and at most PAGE_SIZE long, for any insertion order', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 600 })), {
            maxLength: 700,
            size: 'max',
          }),
          // Nearly in order, as messages arrive: each at most 4 behind its turn, some sentAts equal.
          fc
            .array(fc.integer({ min: 0, max: 4 }), { maxLength: 700, size: 'max' })
            .map((lags) => lags.map((lag, k): [number, number] => [k + 10 - lag, k])),
        ),
        (inserts) => {
          let d: HistoryDirectory | null = null;
          const pages = new Map<number, string[]>();
          for (const [sentAt, n] of inserts) {
            const p = pos(sentAt, n);
            if (!d) {
              d = { next: 1, pages: [{ id: 0, from: '' }] };
              pages.set(0, [p]);
              continue;
            }
            const i = pageFor(d, p);
            const change = insertPosition(d, i, pages.get(d.pages[i]!.id)!, p);
            for (const w of change?.pages ?? [])
              pages.set(w.id, decodeHistoryPage(encodeHistoryPage(w.keys)));
            if (change?.directory) d = decodeHistoryDirectory(encodeHistoryDirectory(change.directory));
          }
          const expected = [...new Set(inserts.map(([t, n]) => pos(t, n)))].sort();
          if (!d) return expected.length === 0;
          const dir = d;
          const all = dir.pages.flatMap((pg, i) => {
            const keys = pages.get(pg.id)!;
            assert.ok(pageInRange(dir, i, keys) && keys.length <= PAGE_SIZE);
            return keys;
          });
          assert.deepEqual(all, expected);
          return true;
        },
      ),
      { numRuns: 150 },
    );
  });

  void it('fills pages when messages come in order', () => {
    let d: HistoryDirectory = { next: 1, pages: [{ id: 0, from: '' }] };
    const pages = new Map<number, string[]>([[0, [pos(0, 0)]]]);
    for (let k = 1; k < PAGE_SIZE * 5; k++) {
      const i = pageFor(d, pos(k, k));
      const change = insertPosition(d, i, pages.get(d.pages[i]!.id)!, pos(k, k))!;
      for (const w of change.pages) pages.set(w.id, w.keys);
      if (change.directory) d = change.directory;
    }
    assert.equal(d.pages.length, 5);
    assert.ok([...pages.values()].every((p) => p.length === PAGE_SIZE));
  });

  void it('rejects anything malformed with a typed StorageFailed', () => {
    const enc = (v: unknown) => encodeRecord(v);
    const good = [pos(1, 1), pos(2, 2)];
    const badPages = [
      new TextEncoder().encode('not json'),
      enc([]),
      enc({ v: 2, keys: good }),
      enc({ v: 1 }),
      enc({ v: 1, keys: [] }),
      enc({ v: 1, keys: [good[1], good[0]] }),
      enc({ v: 1, keys: [good[0], good[0]] }),
      enc({ v: 1, keys: ['1/' + hex(1)] }),
      enc({ v: 1, keys: [pos(1, 1) + '/x'] }),
      enc({ v: 1, keys: [1] }),
      enc({ v: 1, keys: Array.from({ length: PAGE_SIZE + 1 }, (_, k) => pos(k, k)) }),
    ];
    for (const b of badPages) {
      assert.throws(
        () => decodeHistoryPage(b),
        (e) => e instanceof MessengerError && e.code === 'StorageFailed',
      );
    }
    assert.deepEqual(decodeHistoryPage(enc({ v: 1, keys: good })), good);

    const badDirs = [
      enc({ v: 1, next: 1, pages: [] }),
      enc({ v: 1, next: 1, pages: [{ p: 0, f: 'x' }] }),
      enc({ v: 1, next: 1, pages: [{ p: 1, f: '' }] }),
      enc({ v: 1, next: 0, pages: [{ p: 0, f: '' }] }),
      enc({
        v: 1,
        next: 3,
        pages: [
          { p: 0, f: '' },
          { p: 0, f: good[0] },
        ],
      }),
      enc({
        v: 1,
        next: 3,
        pages: [
          { p: 0, f: '' },
          { p: 1, f: good[1] },
          { p: 2, f: good[0] },
        ],
      }),
      enc({
        v: 1,
        next: 3,
        pages: [
          { p: 0, f: '' },
          { p: 1, f: 'junk' },
        ],
      }),
      enc({ v: 1, next: 3, pages: [{ p: -1, f: '' }] }),
      enc({ v: 1, next: 3, pages: [{ p: 0.5, f: '' }] }),
      enc({ next: 3, pages: [{ p: 0, f: '' }] }),
    ];
    for (const b of badDirs) {
      assert.throws(
        () => decodeHistoryDirectory(b),
        (e) => e instanceof MessengerError && e.code === 'StorageFailed',
      );
    }
    const d = {
      next: 3,
      pages: [
        { id: 2, from: '' },
        { id: 0, from: good[1]! },
      ],
    };
    assert.deepEqual(decodeHistoryDirectory(encodeHistoryDirectory(d)), d);
  });
});
