/** Audit findings on session set-up and decryption, each a test that failed before its fix. */
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { constantTimeEqual } from '../src/bytes.js';
import { generateRawKeyPair } from '../src/dh.js';
import { isProtocolError } from '../src/errors.js';
import { PreKeySignalMessage } from '../src/prekey-signal-message.js';
import { signalDecryptPreKey } from '../src/session-cipher.js';
import type { IdentityKeyStore } from '../src/stores.js';
import { SottoPeer } from './helpers/sotto-peer.js';

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
