import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  AccountRepo,
  ContactRepo,
  EncryptedStore,
  HistoryRepo,
  MemoryBackend,
  OutboxRepo,
  SeenEnvelopes,
  StateIdentityKeyStore,
  StateKyberPreKeyStore,
  StatePreKeyStore,
  StateSessionStore,
  StateSignedPreKeyStore,
  StorageError,
  TEST_KDF_COST,
  type AccountState,
  type NewMessage,
} from '@sotto/client';
import { SqliteBackend } from '@sotto/client/node';
import type {
  IdentityKeyStore,
  KyberPreKeyStore,
  PreKeyStore,
  SessionStore,
  SignedPreKeyStore,
} from '../../protocol/src/stores.js';
import { SessionRecord } from '../../protocol/src/session-record.js';
import { KyberPreKeyRecord, PreKeyRecord, SignedPreKeyRecord } from '../../protocol/src/prekey-records.js';

const opts = { kdfCost: TEST_KDF_COST };
const newStore = () => EncryptedStore.create(new MemoryBackend(), 'pw', opts);
const hex = (n: number) => n.toString(16).padStart(32, '0');

class FakeRecord {
  constructor(readonly bytes: Uint8Array) {}
  static deserialize(b: Uint8Array): FakeRecord {
    return new FakeRecord(b);
  }
  serialize(): Uint8Array {
    return this.bytes;
  }
}

const account: AccountState = {
  identityPublicKey: new Uint8Array(33).fill(5),
  identityPrivateKey: new Uint8Array(32).fill(7),
  registrationId: 1234,
  relayUrl: 'http://127.0.0.1:8080',
  accountId: 'acct-1',
  deviceId: 1,
  deviceSecret: new Uint8Array(32).fill(9),
  signedPreKeyRotatedAt: 1000,
  nextPreKeyId: 101,
  nextSignedPreKeyId: 2,
  nextKyberPreKeyId: 2,
  createdAt: 1000,
};

void describe('AccountRepo', () => {
  void it('is empty before init, then round-trips every field', async () => {
    const repo = new AccountRepo(await newStore());
    assert.equal(await repo.get(), undefined);
    await repo.save(account);
    assert.deepEqual(await repo.get(), account);
    const next = await repo.update({ nextPreKeyId: 201 });
    assert.equal(next.nextPreKeyId, 201);
    assert.equal((await repo.get())?.nextPreKeyId, 201);
  });

  void it('refuses an invalid account with InvalidArgument', async () => {
    const repo = new AccountRepo(await newStore());
    await assert.rejects(repo.save({ ...account, deviceId: 0 }), (e) =>
      StorageError.is(e, 'InvalidArgument'),
    );
  });
});

void describe('ContactRepo', () => {
  void it('lists by name and blocks sending after an identity change until accepted', async () => {
    const repo = new ContactRepo(await newStore());
    const base = {
      identityKey: new Uint8Array(33).fill(1),
      verified: true,
      identityChanged: false,
      createdAt: 1,
    };
    await repo.save({ ...base, accountId: 'b', name: 'bob' });
    await repo.save({ ...base, accountId: 'a', name: 'alice' });
    assert.deepEqual(
      (await repo.list()).map((c) => c.name),
      ['alice', 'bob'],
    );
    assert.equal((await repo.byName('bob'))?.accountId, 'b');
    const changed = await repo.markIdentityChanged('b', new Uint8Array(33).fill(2));
    assert.equal(changed.identityChanged, true);
    assert.equal(changed.verified, false);
    assert.equal(changed.wasVerified, true);
    const accepted = await repo.acceptIdentity('b');
    assert.equal(accepted.identityChanged, false);
    assert.deepEqual(accepted.identityKey, new Uint8Array(33).fill(2));
    await repo.remove('a');
    assert.equal(await repo.get('a'), undefined);
  });
});

void describe('HistoryRepo', () => {
  const msg = (conv: string, i: number, direction: 'in' | 'out' = 'in'): NewMessage => ({
    conversationId: conv,
    messageId: hex(i),
    direction,
    senderDevice: 1,
    sentAt: 1000 + i,
    receivedAt: 2000 + i,
    text: `message ${i}`,
    delivery: 'none',
  });

  void it('lists a conversation in order with a limit, pages backwards, and keeps conversations apart', async () => {
    const repo = new HistoryRepo(await newStore());
    for (let i = 0; i < 300; i++) await repo.append(msg('c1', i));
    await repo.append(msg('c2', 999));
    const last = await repo.list('c1', { limit: 3 });
    assert.deepEqual(
      last.map((m) => m.text),
      ['message 297', 'message 298', 'message 299'],
    );
    const before = await repo.list('c1', { limit: 2, beforeSeq: last[0]!.seq });
    assert.deepEqual(
      before.map((m) => m.text),
      ['message 295', 'message 296'],
    );
    assert.equal((await repo.list('c2')).length, 1);
    assert.equal((await repo.conversations())[0]?.conversationId, 'c2');
  });

  void it('counts unread incoming messages and updates delivery state by message id', async () => {
    const repo = new HistoryRepo(await newStore());
    await repo.append(msg('c', 1, 'in'));
    await repo.append(msg('c', 2, 'out'));
    await repo.append(msg('c', 3, 'in'));
    assert.equal(await repo.unreadCount('c'), 2);
    await repo.markRead('c');
    assert.equal(await repo.unreadCount('c'), 0);
    assert.equal(await repo.has('c', hex(2)), true);
    assert.equal(await repo.has('c', hex(4)), false);
    assert.equal((await repo.setDelivery('c', hex(2), 'delivered')).delivery, 'delivered');
    assert.equal((await repo.get('c', hex(2)))?.delivery, 'delivered');
  });
});

void describe('OutboxRepo and SeenEnvelopes on SQLite', () => {
  void it('keep pending envelopes and seen ids across a restart; prune old ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-state-'));
    try {
      const path = join(dir, 'state.db');
      const s1 = await EncryptedStore.create(new SqliteBackend(path), 'pw', opts);
      const outbox = new OutboxRepo(s1);
      await outbox.put({
        messageId: hex(1),
        envelopeId: 'env-1',
        recipient: 'bob',
        ciphertexts: [{ deviceId: 1, type: 3, ciphertext: Uint8Array.of(1, 2, 3) }],
        attempts: 0,
        nextAttemptAt: 500,
        createdAt: 100,
      });
      await outbox.put({
        messageId: hex(2),
        envelopeId: 'env-2',
        recipient: 'bob',
        plaintext: Uint8Array.of(4),
        attempts: 0,
        nextAttemptAt: 5000,
        createdAt: 200,
      });
      await new SeenEnvelopes(s1).add('old', 10);
      await new SeenEnvelopes(s1).add('new', 10_000);
      await s1.close();

      const s2 = await EncryptedStore.open(new SqliteBackend(path), 'pw', opts);
      const ob2 = new OutboxRepo(s2);
      assert.deepEqual(
        (await ob2.due(1000)).map((e) => e.envelopeId),
        ['env-1'],
      );
      assert.deepEqual((await ob2.get(hex(1)))?.ciphertexts?.[0]?.ciphertext, Uint8Array.of(1, 2, 3));
      assert.equal((await ob2.recordAttempt(hex(1), 9000, 'RelayUnreachable'))?.attempts, 1);
      await ob2.remove(hex(2));
      assert.equal((await ob2.list()).length, 1);
      const seen = new SeenEnvelopes(s2);
      assert.equal(await seen.has('old'), true);
      assert.equal(await seen.prune(5000), 1);
      assert.equal(await seen.has('old'), false);
      assert.equal(await seen.has('new'), true);
      await s2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

void describe('protocol stores', () => {
  void it('fit the protocol store interfaces with the real record classes', async () => {
    const store = await newStore();
    const ik = { publicKey: new Uint8Array(33), privateKey: new Uint8Array(32) };
    const s: SessionStore = new StateSessionStore(store, SessionRecord);
    const i: IdentityKeyStore = new StateIdentityKeyStore(store, ik, 7);
    const p: PreKeyStore = new StatePreKeyStore(store, PreKeyRecord);
    const sp: SignedPreKeyStore = new StateSignedPreKeyStore(store, SignedPreKeyRecord);
    const k: KyberPreKeyStore = new StateKyberPreKeyStore(store, KyberPreKeyRecord);
    assert.equal(await i.getLocalRegistrationId(), 7);
    assert.equal(await s.getSession({ name: 'x', deviceId: 1 } as never), null);
    assert.equal(await p.getPreKey(1), null);
    assert.equal(await sp.getSignedPreKey(1), null);
    assert.equal(await k.getKyberPreKey(1), null);
  });

  void it('store sessions and prekeys by address / id', async () => {
    const store = await newStore();
    const sessions = new StateSessionStore(store, FakeRecord);
    const a1 = { name: 'alice', deviceId: 1 };
    const a2 = { name: 'alice', deviceId: 2 };
    await sessions.saveSession(a1, new FakeRecord(Uint8Array.of(1)));
    assert.deepEqual((await sessions.getSession(a1))?.bytes, Uint8Array.of(1));
    assert.equal(await sessions.getSession(a2), null);
    const pre = new StatePreKeyStore(store, FakeRecord);
    await pre.savePreKey(5, new FakeRecord(Uint8Array.of(5)));
    assert.equal(await pre.count(), 1);
    await pre.removePreKey(5);
    assert.equal(await pre.getPreKey(5), null);
  });

  void it('trusts on first use, refuses sending to a changed key until approved, always receives', async () => {
    const ids = new StateIdentityKeyStore(
      await newStore(),
      { publicKey: new Uint8Array(33), privateKey: new Uint8Array(32) },
      1,
      () => 5,
    );
    const a = { name: 'bob', deviceId: 1 };
    const k1 = new Uint8Array(33).fill(1);
    const k2 = new Uint8Array(33).fill(2);
    assert.equal(await ids.isTrustedIdentity(a, k1, 0), true);
    assert.equal(await ids.saveIdentity(a, k1), false);
    assert.equal(await ids.saveIdentity(a, k1), false);
    assert.equal(await ids.isTrustedIdentity(a, k2, 0), false);
    assert.equal(await ids.saveIdentity(a, k2), true);
    assert.equal(await ids.isTrustedIdentity(a, k2, 0), false, 'changed key is not trusted for sending');
    assert.equal(await ids.isTrustedIdentity(a, k2, 1), true, 'receiving is allowed');
    await ids.approveIdentity(a, k2);
    assert.equal(await ids.isTrustedIdentity(a, k2, 0), true);
    assert.deepEqual(await ids.getIdentity(a), k2);
  });

  void it('deletes a used one-time Kyber prekey and keeps a used last-resort one marked', async () => {
    const kyber = new StateKyberPreKeyStore(await newStore(), FakeRecord);
    await kyber.saveKyberPreKey(1, new FakeRecord(Uint8Array.of(1)));
    await kyber.saveKyberPreKey(2, new FakeRecord(Uint8Array.of(2)), { lastResort: true });
    await kyber.markKyberPreKeyUsed(1, 1, new Uint8Array(33));
    await kyber.markKyberPreKeyUsed(2, 1, new Uint8Array(33));
    assert.equal(await kyber.getKyberPreKey(1), null);
    assert.deepEqual((await kyber.getKyberPreKey(2))?.bytes, Uint8Array.of(2));
    assert.equal(await kyber.isUsed(2), true);
  });
});

void describe('openSqliteStore()', () => {
  void it('creates an owner-only file on first use, reopens it, and closes the file on a wrong passphrase', async () => {
    const { statSync } = await import('node:fs');
    const { openSqliteStore } = await import('@sotto/client/node');
    const dir = mkdtempSync(join(tmpdir(), 'sotto-open-'));
    try {
      const path = join(dir, 'state.db');
      await assert.rejects(openSqliteStore({ path, passphrase: 'pw', mode: 'open', ...opts }), (e) =>
        StorageError.is(e, 'NotInitialized'),
      );
      rmSync(path, { force: true });
      const s1 = await openSqliteStore({ path, passphrase: 'pw', ...opts });
      await s1.put('t', ['k'], Uint8Array.of(1));
      await s1.close();
      assert.equal(statSync(path).mode & 0o777, 0o600);
      await assert.rejects(openSqliteStore({ path, passphrase: 'bad', ...opts }), (e) =>
        StorageError.is(e, 'WrongPassphrase'),
      );
      const s2 = await openSqliteStore({ path, passphrase: 'pw', ...opts });
      assert.deepEqual(await s2.get('t', ['k']), Uint8Array.of(1));
      await s2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
