/**
 * The messenger's KyberPreKeyStore refuses a base key its last-resort Kyber prekey already served,
 * and forgets those base keys once the key itself is purged.
 */
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import {
  InMemoryIdentityKeyStore,
  InMemorySessionStore,
  KeyPair,
  PreKeyBundle,
  PreKeySignalMessage,
  ProtocolAddress,
  isProtocolError,
  processPreKeyBundle,
  signalDecryptPreKey,
  signalEncrypt,
  type CiphertextMessage,
} from '@sotto/protocol';
import type { AccountRecord } from '../src/messenger/account-record.js';
import { generateKyberPreKey, generateSignedPreKey } from '../src/messenger/key-material.js';
import { MemoryKv } from '../src/messenger/kv.js';
import { LocalState } from '../src/messenger/local-state.js';
import { applyPlan } from '../src/messenger/prekey-maintenance.js';
import type { MaintenancePlan } from '../src/messenger/prekey-policy.js';
import { protocolStores } from '../src/messenger/protocol-stores.js';

function keyPair(): { publicKey: Uint8Array; privateKey: Uint8Array } {
  const kp = KeyPair.generate();
  return { publicKey: kp.publicKey.serialize(), privateKey: kp.privateKey.serialize() };
}

const NO_PLAN: MaintenancePlan = {
  newPreKeys: 0,
  newKyberPreKeys: 0,
  rotateSigned: false,
  rotateLastResort: false,
  reuploadSigned: false,
  reuploadLastResort: false,
  purge: [],
};

/** Bob's device: a signed prekey and a LAST-RESORT Kyber prekey (id 1), no one-time EC prekey. */
async function bobDevice(): Promise<{ kv: MemoryKv; account: AccountRecord; address: ProtocolAddress }> {
  const kv = new MemoryKv();
  const id = keyPair();
  const account: AccountRecord = {
    relayUrl: 'http://127.0.0.1:1',
    accountId: 'bbbbbbbb-0000-4000-8000-000000000002',
    deviceId: 1,
    registrationId: 7,
    deviceSecret: new Uint8Array(32),
    identityPublic: id.publicKey,
    identityPrivate: id.privateKey,
    username: null,
    createdAt: 0,
    nextPreKeyId: 1,
    nextSignedPreKeyId: 2,
    nextKyberPreKeyId: 2,
    signedPreKeyId: 1,
    signedPreKeyAt: 0,
    lastResortKyberId: 1,
    lastResortAt: 0,
    retired: [],
  };
  const setup = new LocalState(kv);
  const s = protocolStores(setup, account);
  await s.signedPreKey.saveSignedPreKey(1, generateSignedPreKey(1, id.privateKey, 0));
  await s.kyberPreKey.saveKyberPreKey(1, generateKyberPreKey(1, id.privateKey, 0), { lastResort: true });
  setup.putAccount(account);
  await setup.commit();
  return { kv, account, address: ProtocolAddress.new(account.accountId, 1) };
}

/** A new sender builds a session from Bob's CURRENT keys and returns its first message. */
async function firstMessage(
  bob: Awaited<ReturnType<typeof bobDevice>>,
  from: ProtocolAddress,
): Promise<CiphertextMessage> {
  const state = new LocalState(bob.kv);
  const account = (await state.account())!;
  const s = protocolStores(state, account);
  const spk = (await s.signedPreKey.getSignedPreKey(account.signedPreKeyId))!;
  const kyber = (await s.kyberPreKey.getKyberPreKey(account.lastResortKyberId))!;
  const ids = new InMemoryIdentityKeyStore(keyPair(), 9);
  const sessions = new InMemorySessionStore();
  await processPreKeyBundle(
    PreKeyBundle.new({
      registrationId: account.registrationId,
      deviceId: 1,
      signedPreKeyId: spk.id,
      signedPreKey: spk.publicKey,
      signedPreKeySignature: spk.signature,
      identityKey: account.identityPublic,
      kyberPreKeyId: kyber.id,
      kyberPreKey: kyber.publicKey,
      kyberPreKeySignature: kyber.signature,
    }),
    bob.address,
    from,
    sessions,
    ids,
  );
  return signalEncrypt(new Uint8Array([1, 2, 3]), bob.address, from, sessions, ids);
}

/** Bob receives `message` from `from` in one transaction, as the messenger does. */
async function receive(
  bob: Awaited<ReturnType<typeof bobDevice>>,
  from: ProtocolAddress,
  message: CiphertextMessage,
): Promise<Uint8Array> {
  const state = new LocalState(bob.kv);
  const s = protocolStores(state, (await state.account())!);
  const pt = await signalDecryptPreKey(
    PreKeySignalMessage.deserialize(message.serialize()),
    from,
    bob.address,
    s.session,
    s.identity,
    s.preKey,
    s.signedPreKey,
    s.kyberPreKey,
  );
  await state.commit();
  return pt;
}

async function dropSession(bob: Awaited<ReturnType<typeof bobDevice>>, from: ProtocolAddress): Promise<void> {
  const drop = new LocalState(bob.kv);
  drop.deleteSession(from.name, from.deviceId);
  await drop.commit();
}

function baseKeyEntries(kv: MemoryKv, kyberId: number): number {
  const prefix = `kb/${String(kyberId).padStart(8, '0')}/`;
  return [...kv.map.keys()].filter((k) => k.startsWith(prefix)).length;
}

void describe('protocolStores: last-resort Kyber prekey', () => {
  void it('a first message replayed after its session was dropped is refused (reused base key)', async () => {
    const bob = await bobDevice();
    const alice = ProtocolAddress.new('aaaaaaaa-0000-4000-8000-000000000001', 1);
    const first = await firstMessage(bob, alice);
    assert.deepEqual(await receive(bob, alice, first), new Uint8Array([1, 2, 3]));

    // The relay reports the device stale, so Bob drops the session; then it replays the message.
    await dropSession(bob, alice);
    await assert.rejects(receive(bob, alice, first), (e) => isProtocolError(e, 'InvalidMessage'));
    assert.equal(await new LocalState(bob.kv).session(alice.name, alice.deviceId), undefined);
  });

  void it('forgets the base keys a last-resort key served once that key is purged, not before', async () => {
    const bob = await bobDevice();
    const alice = ProtocolAddress.new('aaaaaaaa-0000-4000-8000-000000000001', 1);
    const carol = ProtocolAddress.new('cccccccc-0000-4000-8000-000000000003', 1);
    const ctx = { store: bob.kv, crypto: undefined };
    const first = await firstMessage(bob, alice);
    await receive(bob, alice, first);
    assert.equal(baseKeyEntries(bob.kv, 1), 1);

    // Rotation retires key 1 but keeps it for the grace period: its replay guard must stay.
    await applyPlan(ctx, { ...NO_PLAN, rotateLastResort: true }, 1_000);
    const rotated = (await new LocalState(bob.kv).account())!;
    assert.equal(rotated.lastResortKyberId, 2);
    assert.equal(baseKeyEntries(bob.kv, 1), 1);
    await dropSession(bob, alice);
    await assert.rejects(receive(bob, alice, first), (e) => isProtocolError(e, 'InvalidMessage'));

    // Carol starts through the new key 2; an entry left by a key purged before pruning existed.
    await receive(bob, carol, await firstMessage(bob, carol));
    assert.equal(baseKeyEntries(bob.kv, 2), 1);
    bob.kv.map.set(`kb/00000099/00000001/${'ab'.repeat(33)}`, Uint8Array.of(1));

    await applyPlan(ctx, { ...NO_PLAN, purge: [{ kind: 'kyber', id: 1, retiredAt: 1_000 }] }, 2_000);
    assert.equal(baseKeyEntries(bob.kv, 1), 0);
    assert.equal(baseKeyEntries(bob.kv, 99), 0);
    assert.equal(baseKeyEntries(bob.kv, 2), 1, 'the current key keeps its replay guard');
    // Without key 1 the replay still fails, now before the guard is asked.
    await assert.rejects(receive(bob, alice, first), (e) => isProtocolError(e, 'InvalidKyberPreKeyId'));
    // And the current key still refuses its own replays.
    const dave = ProtocolAddress.new('dddddddd-0000-4000-8000-000000000004', 1);
    const daveFirst = await firstMessage(bob, dave);
    await receive(bob, dave, daveFirst);
    await dropSession(bob, dave);
    await assert.rejects(receive(bob, dave, daveFirst), (e) => isProtocolError(e, 'InvalidMessage'));
  });
});
