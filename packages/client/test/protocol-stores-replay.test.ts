/** The messenger's KyberPreKeyStore refuses a base key its last-resort Kyber prekey already served. */
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import {
  InMemoryIdentityKeyStore,
  InMemorySessionStore,
  KEMKeyPair,
  KemKeyType,
  KeyPair,
  KyberPreKeyRecord,
  PreKeyBundle,
  PreKeySignalMessage,
  ProtocolAddress,
  SignedPreKeyRecord,
  calculateSignature,
  isProtocolError,
  processPreKeyBundle,
  signalDecryptPreKey,
  signalEncrypt,
} from '@sotto/protocol';
import type { AccountRecord } from '../src/messenger/account-record.js';
import { MemoryKv } from '../src/messenger/kv.js';
import { LocalState } from '../src/messenger/local-state.js';
import { protocolStores } from '../src/messenger/protocol-stores.js';

function keyPair(): { publicKey: Uint8Array; privateKey: Uint8Array } {
  const kp = KeyPair.generate();
  return { publicKey: kp.publicKey.serialize(), privateKey: kp.privateKey.serialize() };
}

void describe('protocolStores: last-resort Kyber prekey', () => {
  void it('a first message replayed after its session was dropped is refused (reused base key)', async () => {
    const kv = new MemoryKv();
    const bobId = keyPair();
    const bobAccount = {
      accountId: 'bbbbbbbb-0000-4000-8000-000000000002',
      deviceId: 1,
      registrationId: 7,
      identityPublic: bobId.publicKey,
      identityPrivate: bobId.privateKey,
    } as AccountRecord;
    const bob = ProtocolAddress.new(bobAccount.accountId, 1);
    const alice = ProtocolAddress.new('aaaaaaaa-0000-4000-8000-000000000001', 1);

    // Bob publishes a signed prekey and a LAST-RESORT Kyber prekey, no one-time EC prekey.
    const spk = keyPair();
    const spkSig = calculateSignature(bobId.privateKey, spk.publicKey);
    const kem = KEMKeyPair.generate(KemKeyType.Kyber1024);
    const kemPub = kem.getPublicKey().serialize();
    const kemSig = calculateSignature(bobId.privateKey, kemPub);
    const setup = new LocalState(kv);
    const s0 = protocolStores(setup, bobAccount);
    await s0.signedPreKey.saveSignedPreKey(
      1,
      SignedPreKeyRecord.new(1, 0, spk.publicKey, spk.privateKey, spkSig),
    );
    await s0.kyberPreKey.saveKyberPreKey(
      1,
      KyberPreKeyRecord.new(1, 0, kemPub, kem.getSecretKey().serialize(), kemSig),
      { lastResort: true },
    );
    await setup.commit();

    const aliceIds = new InMemoryIdentityKeyStore(keyPair(), 9);
    const aliceSessions = new InMemorySessionStore();
    await processPreKeyBundle(
      PreKeyBundle.new({
        registrationId: 7,
        deviceId: 1,
        signedPreKeyId: 1,
        signedPreKey: spk.publicKey,
        signedPreKeySignature: spkSig,
        identityKey: bobId.publicKey,
        kyberPreKeyId: 1,
        kyberPreKey: kemPub,
        kyberPreKeySignature: kemSig,
      }),
      bob,
      alice,
      aliceSessions,
      aliceIds,
    );
    const first = await signalEncrypt(new Uint8Array([1, 2, 3]), bob, alice, aliceSessions, aliceIds);

    const receive = async (): Promise<Uint8Array> => {
      const state = new LocalState(kv);
      const s = protocolStores(state, bobAccount);
      const pt = await signalDecryptPreKey(
        PreKeySignalMessage.deserialize(first.serialize()),
        alice,
        bob,
        s.session,
        s.identity,
        s.preKey,
        s.signedPreKey,
        s.kyberPreKey,
      );
      await state.commit();
      return pt;
    };
    assert.deepEqual(await receive(), new Uint8Array([1, 2, 3]));

    // The relay reports the device stale, so Bob drops the session; then it replays the message.
    const drop = new LocalState(kv);
    drop.deleteSession(alice.name, alice.deviceId);
    await drop.commit();
    await assert.rejects(receive(), (e) => isProtocolError(e, 'InvalidMessage'));
    assert.equal(await new LocalState(kv).session(alice.name, alice.deviceId), undefined);
  });
});
