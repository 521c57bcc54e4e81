/** Audit findings on session set-up and decryption, each a test that failed before its fix. */
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { constantTimeEqual } from '../src/bytes.js';
import { generateRawKeyPair } from '../src/dh.js';
import { isProtocolError } from '../src/errors.js';
import { PreKeySignalMessage } from '../src/prekey-signal-message.js';
import type { CryptoProvider } from '../src/crypto-provider.js';
import { InMemoryIdentityKeyStore } from '../src/memory-stores.js';
import { nobleCrypto } from '../src/noble-provider.js';
import { signalDecrypt, signalDecryptPreKey } from '../src/session-cipher.js';
import { ratchetDecrypt } from '../src/double-ratchet.js';
import { SessionRecord } from '../src/session-record.js';
import { encodeSessionState } from '../src/session-state.js';
import { SignalMessage } from '../src/signal-message.js';
import type { IdentityKeyPair, IdentityKeyStore } from '../src/stores.js';
import { SottoPeer, establishedPeers } from './helpers/sotto-peer.js';

const te = new TextEncoder();

void describe('a repeated PreKeySignalMessage with a swapped identity key', () => {
  void it('is refused and never saves the swapped key, even by a store that trusts every key', async () => {
    const a = new SottoPeer('alice', 1);
    const b = new SottoPeer('bob', 1);
    await a.processBundle(await b.makeBundle(true), b.address);
    const first = await a.encrypt(te.encode('one'), b.address);
    const second = await a.encrypt(te.encode('two'), b.address);
    assert.equal(second.type, 3, 'Alice repeats prekey messages until Bob replies');
    await b.decrypt(first.type, first.body, a.address);

    // A relay that sees the (unauthenticated) outer message swaps the identity key field; the
    // inner message still carries Alice's valid MAC for the session Bob already has.
    const m = PreKeySignalMessage.deserialize(second.body);
    const intruder = generateRawKeyPair(b.crypto).publicKey;
    const forged = PreKeySignalMessage.create({
      registrationId: m.registrationId,
      preKeyId: m.preKeyId,
      signedPreKeyId: m.signedPreKeyId,
      kyberPreKeyId: m.kyberPreKeyId,
      kyberCiphertext: m.kyberCiphertext,
      baseKey: m.baseKey,
      identityKey: intruder,
      message: m.message,
    });

    // The client's trial decrypt of a first message under a new identity trusts every key.
    const saved: Uint8Array[] = [];
    const trusting: IdentityKeyStore = {
      getIdentityKeyPair: () => b.identities.getIdentityKeyPair(),
      getLocalRegistrationId: () => b.identities.getLocalRegistrationId(),
      getIdentity: (addr) => b.identities.getIdentity(addr),
      isTrustedIdentity: () => Promise.resolve(true),
      saveIdentity: (addr, key) => {
        saved.push(key.slice());
        return b.identities.saveIdentity(addr, key);
      },
    };
    await assert.rejects(
      signalDecryptPreKey(
        PreKeySignalMessage.deserialize(forged.serialize()),
        a.address,
        b.address,
        b.sessions,
        trusting,
        b.preKeys,
        b.signedPreKeys,
        b.kyberPreKeys,
        b.crypto,
      ),
      (e) => isProtocolError(e),
    );
    assert.ok(!saved.some((k) => constantTimeEqual(k, intruder)), 'the swapped key was saved');
    // The genuine message still decrypts afterwards.
    assert.equal(new TextDecoder().decode(await b.decrypt(second.type, second.body, a.address)), 'two');
  });
});

/** Counts HMAC and HKDF calls and gives up (with a non-protocol error) past `limit` of them. */
function budgeted(base: CryptoProvider, limit: number): CryptoProvider {
  let calls = 0;
  const spend = (): void => {
    if (++calls > limit) throw new Error('work budget exceeded');
  };
  return {
    ...base,
    name: 'budgeted',
    hmacSha256: (k, d) => (spend(), base.hmacSha256(k, d)),
    hkdfSha256: (ikm, salt, info, n) => (spend(), base.hkdfSha256(ikm, salt, info, n)),
  };
}

/** Two devices of one account (same name and identity key): a session "with self". */
async function selfSession(): Promise<{ a1: SottoPeer; a2: SottoPeer; sample: SignalMessage }> {
  const a1 = new SottoPeer('alice', 1);
  const a2 = new SottoPeer('alice', 2);
  const twin = a2 as unknown as { identity: IdentityKeyPair; identities: InMemoryIdentityKeyStore };
  twin.identity = a1.identity;
  twin.identities = new InMemoryIdentityKeyStore(a1.identity, a2.registrationId);
  await a1.processBundle(await a2.makeBundle(true), a2.address);
  const m = await a1.encrypt(te.encode('sync'), a2.address);
  await a2.decrypt(m.type, m.body, a1.address);
  const r = await a2.encrypt(te.encode('ack'), a1.address);
  await a1.decrypt(r.type, r.body, a2.address);
  const s = await a1.encrypt(te.encode('sync 2'), a2.address);
  assert.equal(s.type, 2);
  return { a1, a2, sample: SignalMessage.deserialize(s.body) };
}

/** A forged SignalMessage on a known ratchet key (public: it is in every message header). */
function forge(sample: SignalMessage, counter: number, pqRatchet: Uint8Array): Uint8Array {
  return SignalMessage.create(
    nobleCrypto,
    { ...sample, counter, pqRatchet, addresses: undefined },
    new Uint8Array(32), // any MAC key: the MAC is wrong, which the receiver learns only at the end
    sample.senderRatchetKey,
    sample.senderRatchetKey,
  ).serialize();
}

/** `receiver` decrypts `body` from `sender` with at most `limit` HMAC and HKDF calls. */
function decryptWithin(
  receiver: SottoPeer,
  sender: SottoPeer,
  body: Uint8Array,
  limit: number,
): Promise<Uint8Array> {
  return signalDecrypt(
    SignalMessage.deserialize(body),
    sender.address,
    receiver.address,
    receiver.sessions,
    receiver.identities,
    budgeted(receiver.crypto, limit),
  );
}

void describe('a forged message with a huge counter on a session with our own other device', () => {
  // A relay can address a message as coming from our own account. Before the MAC can be checked
  // the receiver walks the chain up to the claimed counter, so the walk must stay bounded.
  const BUDGET = 200_000; // > 2 × 25,000 chain HMACs + 25,000 SPQR HKDFs, ≪ 2^32

  void it('a Double Ratchet counter of 2^32 − 1 is refused without walking the chain', async () => {
    const { a1, a2, sample } = await selfSession();
    const body = forge(sample, 0xffffffff, sample.pqRatchet);
    await assert.rejects(decryptWithin(a2, a1, body, BUDGET), (e) =>
      isProtocolError(e, 'TooManySkippedKeys'),
    );
  });

  void it('an SPQR index of 2^32 − 1 is refused without walking the SPQR chain', async () => {
    const { a1, a2, sample } = await selfSession();
    const pq = Uint8Array.of(1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0); // version 1, epoch 1, index 2^32−1, None
    const body = forge(sample, sample.counter, pq);
    await assert.rejects(decryptWithin(a2, a1, body, BUDGET), (e) => isProtocolError(e, 'InvalidMessage'));
    // The genuine message is still accepted afterwards.
    const ok = await signalDecrypt(sample, a1.address, a2.address, a2.sessions, a2.identities, a2.crypto);
    assert.equal(new TextDecoder().decode(ok), 'sync 2');
  });
});

void describe('a first message replayed after its session is gone', () => {
  void it('is refused when it used a last-resort Kyber prekey (libsignal: "reused base key")', async () => {
    const a = new SottoPeer('alice', 1);
    const b = new SottoPeer('bob', 1);
    // No one-time EC prekey and a last-resort Kyber prekey: nothing is consumed by the first use.
    await a.processBundle(await b.makeBundle(false, { lastResortKyber: true }), b.address);
    const first = await a.encrypt(te.encode('once'), b.address);
    assert.equal(new TextDecoder().decode(await b.decrypt(first.type, first.body, a.address)), 'once');
    // The session that recognised repeats is gone (archived past 40 states, or reset).
    await b.sessions.saveSession(a.address, SessionRecord.newFresh());
    await assert.rejects(b.decrypt(first.type, first.body, a.address), (e) => isProtocolError(e));
  });
});

void describe('a corrupted message never changes the stored session', () => {
  const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
    minLength: 1,
    maxLength: 3,
  });

  void it('SignalMessage: any byte changes → a typed error and the record bytes unchanged (property)', async () => {
    const { a, b } = await establishedPeers();
    const sent: { type: number; body: Uint8Array }[] = [];
    for (let i = 0; i < 4; i++) sent.push(await a.encrypt(te.encode(`m${i}`), b.address));
    // Deliver one so that Bob holds skipped keys, a receiver chain and an SPQR window.
    await b.decrypt(sent[2]!.type, sent[2]!.body, a.address);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 3 }), mutation, async (which, flips) => {
        const before = b.sessions.rawSession(a.address)!.slice();
        const body = sent[which]!.body.slice();
        for (const [at, x] of flips) body[at % body.length]! ^= x;
        // Two flips of one byte by the same value cancel out: that message is not corrupted.
        if (constantTimeEqual(body, sent[which]!.body)) return;
        await assert.rejects(
          async () => b.decrypt(2, body, a.address),
          (e) => isProtocolError(e),
        );
        assert.deepEqual(b.sessions.rawSession(a.address), before);
      }),
      { numRuns: 150 },
    );
  });

  void it('ratchetDecrypt itself leaves the in-memory state unchanged when it fails (property)', async () => {
    // The record in memory matters too: when the current state fails and an archived one
    // decrypts, the current state is archived as it is in memory.
    const { a, b } = await establishedPeers();
    const sent: { type: number; body: Uint8Array }[] = [];
    for (let i = 0; i < 4; i++) sent.push(await a.encrypt(te.encode(`m${i}`), b.address));
    await b.decrypt(sent[2]!.type, sent[2]!.body, a.address);
    const raw = b.sessions.rawSession(a.address)!;
    fc.assert(
      fc.property(fc.nat({ max: 3 }), mutation, (which, flips) => {
        const body = sent[which]!.body.slice();
        for (const [at, x] of flips) body[at % body.length]! ^= x;
        if (constantTimeEqual(body, sent[which]!.body)) return; // flips that cancel out
        let message: SignalMessage;
        try {
          message = SignalMessage.deserialize(body);
        } catch (e) {
          assert.ok(isProtocolError(e));
          return;
        }
        const state = SessionRecord.deserialize(raw).currentState!;
        const before = encodeSessionState(state);
        assert.throws(
          () => ratchetDecrypt(b.crypto, state, message, undefined),
          (e) => isProtocolError(e),
        );
        assert.deepEqual(encodeSessionState(state), before);
      }),
      { numRuns: 150 },
    );
  });

  void it('PreKeySignalMessage: a typed error leaves the record and prekeys alone (property)', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (flips) => {
        const a = new SottoPeer('alice', 1);
        const b = new SottoPeer('bob', 1);
        await a.processBundle(await b.makeBundle(true), b.address);
        const m = await a.encrypt(te.encode('first'), b.address);
        const body = m.body.slice();
        for (const [at, x] of flips) body[at % body.length]! ^= x;
        try {
          const pt = await b.decrypt(3, body, a.address);
          // Only the unauthenticated outer fields may change without failing (as in libsignal).
          assert.equal(new TextDecoder().decode(pt), 'first');
        } catch (e) {
          assert.ok(isProtocolError(e), String(e));
          assert.equal(b.sessions.rawSession(a.address), undefined);
          assert.equal(new TextDecoder().decode(await b.decrypt(3, m.body, a.address)), 'first');
        }
      }),
      { numRuns: 25 },
    );
  });
});

void describe('secrets of a handshake and a ratchet step are wiped once used', () => {
  /** nobleCrypto that keeps every X25519 output and every 32-byte random draw it hands out. */
  function recording(): { crypto: CryptoProvider; dh: Uint8Array[]; random32: Uint8Array[] } {
    const dh: Uint8Array[] = [];
    const random32: Uint8Array[] = [];
    const crypto: CryptoProvider = {
      ...nobleCrypto,
      name: 'recording',
      x25519: (priv, pub) => {
        const out = nobleCrypto.x25519(priv, pub);
        dh.push(out);
        return out;
      },
      randomBytes: (n) => {
        const out = nobleCrypto.randomBytes(n);
        if (n === 32) random32.push(out);
        return out;
      },
    };
    return { crypto, dh, random32 };
  }
  const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

  void it("Alice's base private key and every DH output of processPreKeyBundle", async () => {
    const rec = recording();
    const a = new SottoPeer('alice', 1, rec.crypto);
    const b = new SottoPeer('bob', 1);
    const bundle = await b.makeBundle(true);
    rec.dh.length = 0;
    rec.random32.length = 0;
    await a.processBundle(bundle, b.address);
    // Draws in order: base key, Kyber encapsulation randomness, first sending ratchet key.
    assert.equal(rec.random32.length, 3);
    assert.ok(isZero(rec.random32[0]!), 'base (ephemeral) private key kept');
    assert.ok(isZero(rec.random32[1]!), 'KEM randomness kept');
    assert.ok(!isZero(rec.random32[2]!), 'the sending ratchet key is session state');
    assert.equal(rec.dh.length, 5);
    rec.dh.forEach((d, i) => assert.ok(isZero(d), `DH output ${i} kept`));
    // And the session works.
    const m = await a.encrypt(te.encode('x'), b.address);
    assert.equal(new TextDecoder().decode(await b.decrypt(m.type, m.body, a.address)), 'x');
  });

  void it('every DH output of a receiving DH ratchet step', async () => {
    const rec = recording();
    const a = new SottoPeer('alice', 1, rec.crypto);
    const b = new SottoPeer('bob', 1);
    await a.processBundle(await b.makeBundle(false), b.address);
    const m = await a.encrypt(te.encode('x'), b.address);
    await b.decrypt(m.type, m.body, a.address);
    const r = await b.encrypt(te.encode('y'), a.address);
    rec.dh.length = 0;
    assert.equal(new TextDecoder().decode(await a.decrypt(r.type, r.body, b.address)), 'y');
    assert.equal(rec.dh.length, 2);
    rec.dh.forEach((d, i) => assert.ok(isZero(d), `DH output ${i} kept`));
  });
});

void describe('a forged message tried on every archived state', () => {
  // A message that fails on the current state is tried on each of up to 40 archived ones, each
  // walking its chains to the claimed counter and SPQR index before the MAC says no. The archived
  // states share one allowance (decrypt-budget.ts), so a forgery costs two states' walks, not 41.
  void it('costs at most two states of chain walking, however many states are archived', async () => {
    const a = new SottoPeer('alice', 1);
    const b = new SottoPeer('bob', 1);
    for (let i = 0; i < 41; i++) await a.processBundle(await b.makeBundle(false), b.address);
    const record = (await a.sessions.getSession(b.address))!;
    assert.equal(record.previousStateCount, 40);
    const first = await a.encrypt(te.encode('hi'), b.address);
    const sample = PreKeySignalMessage.deserialize(first.body).message;
    const pq = Uint8Array.of(1, 1, 0xa7, 0xc3, 0x01, 0); // version 1, epoch 1, index 24,999, None
    const before = (await a.sessions.getSession(b.address))!.serialize();
    // Two states' walks: 2 × (25,000 chain steps + 2,000 message seeds + 25,000 SPQR steps), plus
    // a DH ratchet step per state; one state more would exceed it.
    const BUDGET = 2 * 52_000 + 41 * 8 + 20_000;
    // Both chains far ahead, and the SPQR chain alone (Double Ratchet counter 0 on a new chain).
    for (const counter of [24_999, 0]) {
      await assert.rejects(
        decryptWithin(a, b, forge(sample, counter, pq), BUDGET),
        (e) => isProtocolError(e, 'InvalidMac'),
        `counter ${counter}`,
      );
    }
    assert.ok(constantTimeEqual((await a.sessions.getSession(b.address))!.serialize(), before));
  });
});
