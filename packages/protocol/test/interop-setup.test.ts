/**
 * Session set-up against libsignal-client 0.103.0, both directions, with and without a one-time
 * prekey; out-of-order first messages; replay, tampering and identity-change rejection; the
 * Kyber negative control.
 */
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import * as SignalClient from '@signalapp/libsignal-client';
import { ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { ProtocolAddress } from '../src/protocol-address.js';
import { isProtocolError } from '../src/errors.js';
import { PreKeyBundle } from '../src/prekey-bundle.js';
import { processPreKeyBundle } from '../src/session-builder.js';
import { SignalMessage } from '../src/signal-message.js';
import { LibsignalPeer } from './helpers/libsignal-peer.js';
import { SottoPeer, libsignalBundle } from './helpers/sotto-peer.js';

const te = new TextEncoder();
const td = new TextDecoder();
const ALICE = '2a7c1f5e-3b4d-4c6e-8f9a-0b1c2d3e4f50';
const BOB = '9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b';

function lsAddr(p: { address: ProtocolAddress }): SignalClient.ProtocolAddress {
  return SignalClient.ProtocolAddress.new(p.address.name, p.address.deviceId);
}
function sAddr(p: { address: SignalClient.ProtocolAddress }): ProtocolAddress {
  return ProtocolAddress.new(p.address.name(), p.address.deviceId());
}
/** Offset of the AES ciphertext inside a serialised SignalMessage (so a test can flip a bit in it). */
function ciphertextOffset(body: Uint8Array): number {
  const m = SignalMessage.deserialize(body);
  return m.ciphertext.byteOffset - m.serialized.byteOffset;
}
const lsCode = (code: SignalClient.ErrorCode) => (e: unknown) => (e as { code?: unknown }).code === code;

/** Sotto (initiator) and libsignal (responder) with an acknowledged session. */
async function sottoToLibsignal(withOneTime: boolean, names: [string, string] = ['alice', 'bob']) {
  const s = new SottoPeer(names[0], 1);
  const l = new LibsignalPeer(names[1], 2);
  const { raw } = await l.makeBundle(withOneTime);
  await s.processBundle(raw, sAddr(l));
  return { s, l, raw };
}

async function libsignalToSotto(withOneTime: boolean, names: [string, string] = ['alice', 'bob']) {
  const l = new LibsignalPeer(names[0], 1);
  const s = new SottoPeer(names[1], 2);
  const raw = await s.makeBundle(withOneTime);
  await l.processBundle(libsignalBundle(raw), lsAddr(s));
  return { s, l, raw };
}

for (const withOneTime of [true, false]) {
  const label = withOneTime ? 'with a one-time prekey' : 'without a one-time prekey';

  void describe(`Sotto initiates, libsignal responds (${label})`, () => {
    void it('agrees on the PQXDH + Kyber secret and talks both ways', async () => {
      const { s, l, raw } = await sottoToLibsignal(withOneTime, [ALICE, BOB]);
      const m1 = await s.encrypt(te.encode('hello from sotto'), sAddr(l));
      assert.equal(m1.type, 3);
      assert.equal(td.decode(await l.decrypt(m1.type, m1.body, lsAddr(s))), 'hello from sotto');
      assert.equal(l.preKeys.keys.has(raw.signedPreKeyId), false, 'libsignal consumed its one-time prekey');
      assert.deepEqual(
        l.kyberPreKeys.used.map((u) => u.id),
        [raw.kyberPreKeyId],
      );
      for (let i = 0; i < 3; i++) {
        const r = await l.encrypt(te.encode(`reply ${i}`), lsAddr(s));
        assert.equal(r.type, 2);
        assert.equal(td.decode(await s.decrypt(r.type, r.body, sAddr(l))), `reply ${i}`);
        const m = await s.encrypt(te.encode(`more ${i}`), sAddr(l));
        assert.equal(m.type, 2, 'acknowledged: plain SignalMessages from now on');
        assert.equal(td.decode(await l.decrypt(m.type, m.body, lsAddr(s))), `more ${i}`);
      }
    });
  });

  void describe(`libsignal initiates, Sotto responds (${label})`, () => {
    void it('agrees on the PQXDH + Kyber secret, consumes the prekeys and talks both ways', async () => {
      const { s, l, raw } = await libsignalToSotto(withOneTime, [ALICE, BOB]);
      const m1 = await l.encrypt(te.encode('hello from libsignal'), lsAddr(s));
      assert.equal(m1.type, 3);
      assert.equal(td.decode(await s.decrypt(m1.type, m1.body, sAddr(l))), 'hello from libsignal');
      assert.equal(s.preKeys.size, 0, 'one-time EC prekey removed (or never existed)');
      assert.equal(s.kyberPreKeys.has(raw.kyberPreKeyId), false, 'one-time Kyber prekey used up');
      for (let i = 0; i < 3; i++) {
        const r = await s.encrypt(te.encode(`reply ${i}`), sAddr(l));
        assert.equal(td.decode(await l.decrypt(r.type, r.body, lsAddr(s))), `reply ${i}`);
        const m = await l.encrypt(te.encode(`more ${i}`), lsAddr(s));
        assert.equal(td.decode(await s.decrypt(m.type, m.body, sAddr(l))), `more ${i}`);
      }
    });
  });
}

void describe('first (prekey) messages out of order', () => {
  void it('Sotto → libsignal: three prekey messages delivered 3, 1, 2', async () => {
    const { s, l } = await sottoToLibsignal(true);
    const msgs = [];
    for (let i = 0; i < 3; i++) msgs.push(await s.encrypt(te.encode(`m${i}`), sAddr(l)));
    assert.ok(msgs.every((m) => m.type === 3));
    for (const i of [2, 0, 1]) assert.equal(td.decode(await l.decrypt(3, msgs[i]!.body, lsAddr(s))), `m${i}`);
  });

  void it('libsignal → Sotto: three prekey messages delivered 2, 3, 1', async () => {
    const { s, l } = await libsignalToSotto(true);
    const msgs = [];
    for (let i = 0; i < 3; i++) msgs.push(await l.encrypt(te.encode(`m${i}`), lsAddr(s)));
    for (const i of [1, 2, 0]) assert.equal(td.decode(await s.decrypt(3, msgs[i]!.body, sAddr(l))), `m${i}`);
  });
});

void describe('a last-resort Kyber prekey', () => {
  void it('is kept after use, a one-time one is not', async () => {
    const s = new SottoPeer('bob', 2);
    const raw = await s.makeBundle(false, { lastResortKyber: true });
    for (const name of ['alice', 'carol']) {
      const l = new LibsignalPeer(name, 1);
      await l.processBundle(libsignalBundle(raw), lsAddr(s));
      const m = await l.encrypt(te.encode('hi'), lsAddr(s));
      assert.equal(td.decode(await s.decrypt(m.type, m.body, sAddr(l))), 'hi');
    }
    assert.ok(s.kyberPreKeys.has(raw.kyberPreKeyId));
  });
});

void describe('replays', () => {
  void it('Sotto rejects a replayed SignalMessage and prekey message as DuplicateMessage', async () => {
    const { s, l } = await libsignalToSotto(true);
    const m1 = await l.encrypt(te.encode('a'), lsAddr(s));
    await s.decrypt(m1.type, m1.body, sAddr(l));
    await assert.rejects(s.decrypt(m1.type, m1.body, sAddr(l)), (e) =>
      isProtocolError(e, 'DuplicateMessage'),
    );
    const r = await s.encrypt(te.encode('b'), sAddr(l));
    await l.decrypt(r.type, r.body, lsAddr(s));
    const m2 = await l.encrypt(te.encode('c'), lsAddr(s));
    assert.equal(m2.type, 2);
    await s.decrypt(m2.type, m2.body, sAddr(l));
    await assert.rejects(s.decrypt(m2.type, m2.body, sAddr(l)), (e) =>
      isProtocolError(e, 'DuplicateMessage'),
    );
  });

  void it('libsignal rejects a replayed Sotto message', async () => {
    const { s, l } = await sottoToLibsignal(true);
    const m1 = await s.encrypt(te.encode('a'), sAddr(l));
    await l.decrypt(m1.type, m1.body, lsAddr(s));
    await assert.rejects(
      l.decrypt(m1.type, m1.body, lsAddr(s)),
      lsCode(SignalClient.ErrorCode.DuplicatedMessage),
    );
    const r = await l.encrypt(te.encode('b'), lsAddr(s));
    await s.decrypt(r.type, r.body, sAddr(l));
    const m2 = await s.encrypt(te.encode('c'), sAddr(l));
    await l.decrypt(m2.type, m2.body, lsAddr(s));
    await assert.rejects(
      l.decrypt(m2.type, m2.body, lsAddr(s)),
      lsCode(SignalClient.ErrorCode.DuplicatedMessage),
    );
  });
});

void describe('tampering', () => {
  async function established() {
    const { s, l } = await sottoToLibsignal(true);
    const m1 = await s.encrypt(te.encode('x'), sAddr(l));
    await l.decrypt(m1.type, m1.body, lsAddr(s));
    const r = await l.encrypt(te.encode('y'), lsAddr(s));
    await s.decrypt(r.type, r.body, sAddr(l));
    return { s, l };
  }

  for (const where of ['ciphertext', 'MAC'] as const) {
    void it(`a flipped bit in the ${where} is rejected by Sotto and leaves the session usable`, async () => {
      const { s, l } = await established();
      const m = await l.encrypt(te.encode('secret'), lsAddr(s));
      const bad = m.body.slice();
      const pos = where === 'MAC' ? bad.length - 3 : ciphertextOffset(bad) + 5;
      bad[pos]! ^= 0x10;
      await assert.rejects(s.decrypt(m.type, bad, sAddr(l)), (e) => isProtocolError(e, 'InvalidMac'));
      assert.equal(td.decode(await s.decrypt(m.type, m.body, sAddr(l))), 'secret');
    });

    void it(`a flipped bit in the ${where} is rejected by libsignal`, async () => {
      const { s, l } = await established();
      const m = await s.encrypt(te.encode('secret'), sAddr(l));
      const bad = m.body.slice();
      const pos = where === 'MAC' ? bad.length - 1 : ciphertextOffset(bad) + 7;
      bad[pos]! ^= 0x01;
      await assert.rejects(l.decrypt(m.type, bad, lsAddr(s)));
      assert.equal(td.decode(await l.decrypt(m.type, m.body, lsAddr(s))), 'secret');
    });
  }
});

void describe('identity changes', () => {
  void it('Sotto refuses a new identity key for a known address (receiving and sending)', async () => {
    const { s, l } = await libsignalToSotto(true);
    const m1 = await l.encrypt(te.encode('a'), lsAddr(s));
    await s.decrypt(m1.type, m1.body, sAddr(l));
    // Same address, new device keys (a reinstall, or an attacker).
    const impostor = new LibsignalPeer(l.address.name(), l.address.deviceId());
    const bundle2 = await s.makeBundle(true);
    await impostor.processBundle(libsignalBundle(bundle2), lsAddr(s));
    const m2 = await impostor.encrypt(te.encode('b'), lsAddr(s));
    await assert.rejects(s.decrypt(m2.type, m2.body, sAddr(impostor)), (e) =>
      isProtocolError(e, 'UntrustedIdentity'),
    );
    const { raw } = await impostor.makeBundle(true);
    await assert.rejects(s.processBundle(raw, sAddr(impostor)), (e) =>
      isProtocolError(e, 'UntrustedIdentity'),
    );
  });

  void it('libsignal refuses a new Sotto identity for a known address', async () => {
    const { s, l } = await sottoToLibsignal(true);
    const m1 = await s.encrypt(te.encode('a'), sAddr(l));
    await l.decrypt(m1.type, m1.body, lsAddr(s));
    const impostor = new SottoPeer(s.address.name, s.address.deviceId);
    const { raw } = await l.makeBundle(true);
    await impostor.processBundle(raw, sAddr(l));
    const m2 = await impostor.encrypt(te.encode('b'), sAddr(l));
    await assert.rejects(
      l.decrypt(m2.type, m2.body, lsAddr(impostor)),
      lsCode(SignalClient.ErrorCode.UntrustedIdentity),
    );
  });

  void it('a bundle with a bad signed-prekey or Kyber signature is refused', async () => {
    const s = new SottoPeer('alice');
    const l = new LibsignalPeer('bob');
    const { raw } = await l.makeBundle(true);
    for (const field of ['signedPreKeySignature', 'kyberPreKeySignature'] as const) {
      const bad = { ...raw, [field]: raw[field].slice() };
      bad[field][5]! ^= 1;
      await assert.rejects(
        processPreKeyBundle(
          PreKeyBundle.new(bad),
          sAddr(l),
          s.address,
          s.sessions,
          s.identities,
          undefined,
          s.crypto,
        ),
        (e) => isProtocolError(e, 'InvalidSignature'),
      );
    }
  });
});

void describe('Kyber negative control', () => {
  void it('a session keyed with the raw ML-KEM-1024 secret fails in libsignal with a MAC error', async () => {
    const s = new SottoPeer('alice');
    const l = new LibsignalPeer('bob');
    const { raw } = await l.makeBundle(true);
    await processPreKeyBundle(
      PreKeyBundle.new(raw),
      sAddr(l),
      s.address,
      s.sessions,
      s.identities,
      undefined,
      s.crypto,
      {
        kemEncapsulate: (pk) => {
          const { cipherText, sharedSecret } = ml_kem1024.encapsulate(pk.subarray(1));
          return { sharedSecret, ciphertext: Uint8Array.of(0x08, ...cipherText) };
        },
      },
    );
    const m = await s.encrypt(te.encode('x'), sAddr(l));
    await assert.rejects(l.decrypt(m.type, m.body, lsAddr(s)), (e) =>
      /MAC verification failed|decryption failed/i.test(String((e as Error).message)),
    );
  });
});
