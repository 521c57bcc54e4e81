/**
 * Dead session secrets are wiped (Double Ratchet spec §3.5, §8.4): each test holds a buffer the
 * session owns, runs the operation that makes it dead, and checks it is all zeros — then checks the
 * session still works (round trips, out-of-order delivery, the stored record), so nothing a live
 * state, record or prekey store reads was wiped with it.
 */
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import type { CryptoProvider } from '../src/crypto-provider.js';
import { defaultCrypto } from '../src/default-crypto.js';
import { isProtocolError } from '../src/errors.js';
import { PreKeySignalMessage } from '../src/prekey-signal-message.js';
import type { ProtocolAddress } from '../src/protocol-address.js';
import type { SignedPreKeyRecord } from '../src/prekey-records.js';
import { signalDecrypt, signalDecryptPreKey, signalEncrypt } from '../src/session-cipher.js';
import { SessionRecord } from '../src/session-record.js';
import { encodeSessionState } from '../src/session-state.js';
import type { ReceiverChain, SessionState } from '../src/session-state.js';
import { SignalMessage } from '../src/signal-message.js';
import { spqrInitialState, spqrRecvPlan, spqrSend } from '../src/spqr.js';
import type { SessionStore, SignedPreKeyStore } from '../src/stores.js';
import { SottoPeer, establishedPeers } from './helpers/sotto-peer.js';

const te = new TextEncoder();
const td = new TextDecoder();

type Sent = { type: number; body: Uint8Array };

function isZero(b: Uint8Array): boolean {
  return b.length > 0 && b.every((x) => x === 0);
}

/**
 * `peer`'s session with `remote` as ONE live record object: the test can hold its buffers across
 * operations. Saves still go to the peer's own (serialising) store, so the peer's ordinary
 * encrypt/decrypt afterwards run on what was stored.
 */
async function live(
  peer: SottoPeer,
  remote: ProtocolAddress,
): Promise<{ record: SessionRecord; state: () => SessionState; store: SessionStore }> {
  let record = await peer.sessions.getSession(remote);
  const store: SessionStore = {
    getSession: () => Promise.resolve(record),
    saveSession: async (address, r) => {
      record = r;
      await peer.sessions.saveSession(address, r);
    },
  };
  if (!record) throw new Error('no session');
  const r = record;
  return { record: r, state: () => r.currentState!, store };
}

async function encryptLive(
  peer: SottoPeer,
  remote: SottoPeer,
  store: SessionStore,
  text: string,
): Promise<Sent> {
  const m = await signalEncrypt(te.encode(text), remote.address, peer.address, store, peer.identities);
  return { type: m.type, body: m.serialize() };
}

async function decryptLive(
  peer: SottoPeer,
  remote: SottoPeer,
  store: SessionStore,
  m: Sent,
): Promise<string> {
  assert.equal(m.type, 2);
  const pt = await signalDecrypt(
    SignalMessage.deserialize(m.body),
    remote.address,
    peer.address,
    store,
    peer.identities,
  );
  return td.decode(pt);
}

/** One message each way through the peers' ordinary (serialising) stores. */
async function roundTrip(a: SottoPeer, b: SottoPeer, tag: string): Promise<void> {
  const m = await a.encrypt(te.encode(`${tag} a→b`), b.address);
  assert.equal(td.decode(await b.decrypt(m.type, m.body, a.address)), `${tag} a→b`);
  const r = await b.encrypt(te.encode(`${tag} b→a`), a.address);
  assert.equal(td.decode(await a.decrypt(r.type, r.body, b.address)), `${tag} b→a`);
}

/** The stored record decodes to the same bytes it was written from. */
function assertStoredRecordStable(peer: SottoPeer, remote: ProtocolAddress): void {
  const raw = peer.sessions.rawSession(remote)!;
  assert.deepEqual(SessionRecord.deserialize(raw).serialize(), raw);
}

void describe('zeroisation of dead session secrets', () => {
  void it('wipes the sending chain key (and SPQR send key) a message advanced past', async () => {
    const { a, b } = await establishedPeers();
    const s = await live(a, b.address);
    const chainKey = s.state().sender.chainKey;
    const spqrNext = s.state().spqr.sendNext;
    assert.ok(!isZero(chainKey) && !isZero(spqrNext));

    const m1 = await encryptLive(a, b, s.store, 'one');
    assert.ok(isZero(chainKey), 'old sending chain key wiped');
    assert.ok(isZero(spqrNext), 'old SPQR sending chain key wiped');
    assert.ok(!isZero(s.state().sender.chainKey) && !isZero(s.state().spqr.sendNext));

    const newKey = s.state().sender.chainKey;
    const m2 = await encryptLive(a, b, s.store, 'two');
    assert.ok(isZero(newKey));
    // Out of order, then on through the stored record.
    assert.equal(td.decode(await b.decrypt(m2.type, m2.body, a.address)), 'two');
    assert.equal(td.decode(await b.decrypt(m1.type, m1.body, a.address)), 'one');
    await roundTrip(a, b, 'after');
    assertStoredRecordStable(a, b.address);
  });

  void it('a DH ratchet step wipes the old root key, sending chain key and ratchet private key; receiving wipes the chain keys it moves past', async () => {
    const { a, b } = await establishedPeers();
    // Alice's next message carries the ratchet key she made on reading Bob's reply: new to Bob.
    const m = await a.encrypt(te.encode('new key'), b.address);
    const s = await live(b, a.address);
    const before = s.state();
    const old = { root: before.rootKey, chain: before.sender.chainKey, priv: before.sender.ratchetPrivate };

    assert.equal(await decryptLive(b, a, s.store, m), 'new key');
    assert.ok(isZero(old.root), 'old root key wiped');
    assert.ok(isZero(old.chain), 'replaced sending chain key wiped');
    assert.ok(isZero(old.priv), 'replaced ratchet private key wiped');
    const after = s.state();
    assert.ok(
      !isZero(after.rootKey) && !isZero(after.sender.chainKey) && !isZero(after.sender.ratchetPrivate),
    );

    // The next message on that chain moves the receiving chain keys (Double Ratchet and SPQR) on.
    const recvKey = after.receiverChains.at(-1)!.chainKey;
    const spqrRecv = after.spqr.recvNext;
    const m2 = await a.encrypt(te.encode('same chain'), b.address);
    assert.equal(await decryptLive(b, a, s.store, m2), 'same chain');
    assert.ok(isZero(recvKey), 'advanced receiving chain key wiped');
    assert.ok(isZero(spqrRecv), 'advanced SPQR receiving chain key wiped');

    const r = await encryptLive(b, a, s.store, 'reply');
    assert.equal(td.decode(await a.decrypt(r.type, r.body, b.address)), 'reply');
    await roundTrip(a, b, 'after');
    await roundTrip(b, a, 'and back');
    assertStoredRecordStable(b, a.address);
  });

  void it("Bob's first ratchet step wipes the session's copy of the signed prekey, never the store's", async () => {
    const a = new SottoPeer('alice', 1);
    const b = new SottoPeer('bob', 1);
    const carol = new SottoPeer('carol', 1);
    // A store that hands out the SAME record object every time (as a caching store might): a
    // session that kept the record's private key array would wipe the store's key with it.
    const cached = new Map<number, SignedPreKeyRecord>();
    const signedPreKeys: SignedPreKeyStore = {
      async getSignedPreKey(id) {
        let rec = cached.get(id);
        if (!rec) {
          rec = (await b.signedPreKeys.getSignedPreKey(id)) ?? undefined;
          if (rec) cached.set(id, rec);
        }
        return rec ?? null;
      },
      saveSignedPreKey: (id, rec) => b.signedPreKeys.saveSignedPreKey(id, rec),
    };
    // Bob's first ratchet step happens inside the first decrypt (Alice's first message carries her
    // sending ratchet key), so the arrays holding the private key are caught where they are used.
    const used: Uint8Array[] = [];
    const spy: CryptoProvider = {
      ...b.crypto,
      x25519(privateKey, publicKey) {
        used.push(privateKey);
        return b.crypto.x25519(privateKey, publicKey);
      },
    };
    const bobReceivesFirst = (from: SottoPeer, body: Uint8Array) =>
      signalDecryptPreKey(
        PreKeySignalMessage.deserialize(body),
        from.address,
        b.address,
        b.sessions,
        b.identities,
        b.preKeys,
        signedPreKeys,
        b.kyberPreKeys,
        spy,
      );

    const bundle = await b.makeBundle(false, { lastResortKyber: true });
    await a.processBundle(bundle, b.address);
    const first = await a.encrypt(te.encode('first'), b.address);
    assert.equal(first.type, 3);
    assert.equal(td.decode(await bobReceivesFirst(a, first.body)), 'first');

    const storeKey = cached.get(bundle.signedPreKeyId)!.privateKey;
    const storeKeyValue = (await b.signedPreKeys.getSignedPreKey(bundle.signedPreKeyId))!.privateKey;
    assert.ok(!isZero(storeKey));
    assert.deepEqual(storeKey, storeKeyValue, "the store's signed prekey is untouched");
    assert.ok(used.includes(storeKey), 'PQXDH used the store record (the aliasing case)');
    // Besides the store's key and the identity key, Bob agreed with two arrays in his first DH
    // step: the session's copy of the signed prekey, now wiped, and the new ratchet key it holds.
    const others = used.filter((k) => k !== storeKey && k !== b.identity.privateKey);
    const ratchetPriv = (await b.sessions.getSession(a.address))!.currentState!.sender.ratchetPrivate;
    assert.equal(others.length, 2);
    assert.notEqual(others[0]!.buffer, storeKey.buffer);
    assert.ok(isZero(others[0]!), "the session's copy of the signed prekey is wiped");
    assert.deepEqual(others[1], ratchetPriv);

    // The signed prekey still sets up sessions (same bundle, last-resort Kyber key), and Alice's
    // session goes on, out of order too.
    await carol.processBundle(bundle, b.address);
    const c = await carol.encrypt(te.encode('from carol'), b.address);
    assert.equal(td.decode(await bobReceivesFirst(carol, c.body)), 'from carol');
    assert.deepEqual(storeKey, storeKeyValue);
    const r1 = await b.encrypt(te.encode('r1'), a.address);
    const r2 = await b.encrypt(te.encode('r2'), a.address);
    assert.equal(td.decode(await a.decrypt(r2.type, r2.body, b.address)), 'r2');
    assert.equal(td.decode(await a.decrypt(r1.type, r1.body, b.address)), 'r1');
    await roundTrip(a, b, 'after');
    await roundTrip(carol, b, 'carol');
    assertStoredRecordStable(b, a.address);
  });

  void it('wipes a skipped message key once it is used', async () => {
    const { a, b } = await establishedPeers();
    const sent: Sent[] = [];
    for (let i = 0; i < 6; i++) sent.push(await a.encrypt(te.encode(`m${i}`), b.address));
    const s = await live(b, a.address);
    assert.equal(await decryptLive(b, a, s.store, sent[5]!), 'm5');
    const chain = s.state().receiverChains.at(-1)!;
    const seeds = new Map(chain.skipped.map((k) => [k.index, k.seed]));
    const spqrKeys = new Map(s.state().spqr.recvPrev);
    assert.equal(seeds.size, 5);
    assert.equal(spqrKeys.size, 5);

    assert.equal(await decryptLive(b, a, s.store, sent[2]!), 'm2');
    const used = chain.index - 6 + 2; // the chain's index of m2
    assert.ok(isZero(seeds.get(used)!), 'used skipped seed wiped');
    const usedSpqr = [...spqrKeys.keys()].find((i) => !s.state().spqr.recvPrev.has(i))!;
    assert.ok(isZero(spqrKeys.get(usedSpqr)!), 'used SPQR out-of-order key wiped');
    for (const [i, seed] of seeds) if (i !== used) assert.ok(!isZero(seed), `seed ${i} still held`);
    for (const [i, k] of spqrKeys) if (i !== usedSpqr) assert.ok(!isZero(k), `SPQR key ${i} still held`);

    await assert.rejects(decryptLive(b, a, s.store, sent[2]!), (e) => isProtocolError(e, 'DuplicateMessage'));
    // The rest, out of order, through the live record and then the stored one.
    assert.equal(await decryptLive(b, a, s.store, sent[4]!), 'm4');
    assert.equal(await decryptLive(b, a, s.store, sent[0]!), 'm0');
    assert.equal(td.decode(await b.decrypt(sent[3]!.type, sent[3]!.body, a.address)), 'm3');
    assert.equal(td.decode(await b.decrypt(sent[1]!.type, sent[1]!.body, a.address)), 'm1');
    await roundTrip(a, b, 'after');
    assertStoredRecordStable(b, a.address);
  });

  void it('wipes skipped keys evicted by the 2,000-key limit', async () => {
    const { a, b } = await establishedPeers();
    const sent: Sent[] = [];
    for (let i = 0; i < 2_010; i++) sent.push(await a.encrypt(te.encode(`n${i}`), b.address));
    const s = await live(b, a.address);
    assert.equal(await decryptLive(b, a, s.store, sent[5]!), 'n5');
    const chain = s.state().receiverChains.at(-1)!;
    const early = chain.skipped.map((k) => k.seed);
    const earlySpqr = [...s.state().spqr.recvPrev.values()];
    assert.equal(early.length, 5);

    // 2,004 more skipped keys: the 5 oldest no longer fit, and SPQR jumps past its window.
    assert.equal(await decryptLive(b, a, s.store, sent[2_009]!), 'n2009');
    assert.equal(chain.skipped.length, 2_000);
    for (const seed of early) assert.ok(isZero(seed), 'evicted skipped seed wiped');
    for (const k of earlySpqr) assert.ok(isZero(k), 'evicted SPQR key wiped');

    await assert.rejects(decryptLive(b, a, s.store, sent[1]!), (e) => isProtocolError(e));
    assert.equal(await decryptLive(b, a, s.store, sent[100]!), 'n100');
    assert.equal(td.decode(await b.decrypt(sent[2_008]!.type, sent[2_008]!.body, a.address)), 'n2008');
    await roundTrip(a, b, 'after');
    assertStoredRecordStable(b, a.address);
  });

  void it('wipes a receiver chain (chain key and skipped keys) dropped after five newer chains', async () => {
    const { a, b } = await establishedPeers();
    const late = await a.encrypt(te.encode('late'), b.address);
    const s = await live(b, a.address);
    const m = await a.encrypt(te.encode('on time'), b.address);
    assert.equal(await decryptLive(b, a, s.store, m), 'on time');
    const oldChain: ReceiverChain = s.state().receiverChains.at(-1)!;
    const chainKey = oldChain.chainKey;
    const skippedSeed = oldChain.skipped[0]!.seed;
    assert.ok(!isZero(chainKey) && !isZero(skippedSeed));

    for (let round = 0; round < 5; round++) {
      const r = await encryptLive(b, a, s.store, `b${round}`);
      assert.equal(td.decode(await a.decrypt(r.type, r.body, b.address)), `b${round}`);
      const n = await a.encrypt(te.encode(`a${round}`), b.address);
      assert.equal(await decryptLive(b, a, s.store, n), `a${round}`);
    }
    assert.ok(!s.state().receiverChains.includes(oldChain), 'the chain was dropped');
    assert.ok(isZero(chainKey), "dropped chain's key wiped");
    assert.ok(isZero(skippedSeed), "dropped chain's skipped key wiped");

    await assert.rejects(b.decrypt(late.type, late.body, a.address), (e) => isProtocolError(e));
    await roundTrip(a, b, 'after');
    assertStoredRecordStable(b, a.address);
  });

  void it('a late message for an archived session wipes inside that session only; the record stays whole', async () => {
    const { a, b } = await establishedPeers();
    const late = [];
    for (let i = 0; i < 2; i++) late.push(await a.encrypt(te.encode(`late${i}`), b.address));
    // Bob starts two newer sessions, so the one Alice writes to is archived behind another.
    for (let i = 0; i < 2; i++) {
      await b.processBundle(await a.makeBundle(true), a.address);
      await b.encrypt(te.encode(`new${i}`), a.address);
    }
    const s = await live(b, a.address);
    assert.equal(s.record.previousStateCount, 2);
    // Archived states decode to views into the record's one buffer: hold the target's keys that
    // its DH ratchet step (Alice's key is new to it) replaces.
    const target = s.record.previousState(1);
    const spent = [target.rootKey, target.sender.chainKey, target.sender.ratchetPrivate];
    const neighbour = encodeSessionState(s.record.previousState(0));
    // (Archiving drops a state's pending first message.)
    const current = encodeSessionState({ ...s.state(), pending: undefined });

    assert.equal(await decryptLive(b, a, s.store, late[1]!), 'late1');
    for (const k of spent) assert.ok(isZero(k), "the archived session's replaced keys are wiped in place");
    // It became current; the other two are archived unchanged.
    assert.equal(s.record.previousStateCount, 2);
    assert.deepEqual(encodeSessionState(s.record.previousState(0)), current);
    assert.deepEqual(encodeSessionState(s.record.previousState(1)), neighbour);
    const reloaded = SessionRecord.deserialize(s.record.serialize());
    assert.deepEqual(reloaded.serialize(), s.record.serialize());

    assert.equal(td.decode(await b.decrypt(late[0]!.type, late[0]!.body, a.address)), 'late0');
    await roundTrip(a, b, 'after');
    assertStoredRecordStable(b, a.address);
  });

  void it('SPQR: out-of-order keys trimmed past the 2,000-key horizon are wiped', () => {
    const crypto = defaultCrypto();
    const auth = crypto.randomBytes(32);
    const alice = spqrInitialState(crypto, auth, 'A2B');
    const bob = spqrInitialState(crypto, auth, 'B2A');
    const sent = Array.from({ length: 4_000 }, () => spqrSend(crypto, alice));
    const receive = (i: number): Uint8Array => {
      const plan = spqrRecvPlan(crypto, bob, sent[i]!.msg);
      const key = plan.key!.slice();
      plan.apply();
      return key;
    };
    assert.deepEqual(receive(1_999), sent[1_999]!.key); // index 2,000: keeps 1..1,999
    const held = new Map(bob.recvPrev);
    assert.equal(held.size, 1_999);
    assert.deepEqual(receive(3_999), sent[3_999]!.key); // 1,999 more: past the trim size
    for (const [i, k] of held) {
      if (bob.recvPrev.has(i)) assert.ok(!isZero(k), `kept key ${i} intact`);
      else assert.ok(isZero(k), `trimmed key ${i} wiped`);
    }
    assert.ok(bob.recvPrev.size < 4_000 - 2 && !bob.recvPrev.has(1));
    // What was kept still decrypts, out of order.
    assert.deepEqual(receive(3_000), sent[3_000]!.key);
    assert.deepEqual(receive(2_500), sent[2_500]!.key);
  });
});
