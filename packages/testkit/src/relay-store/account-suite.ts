// AccountStore behaviour every adapter must show.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  T0,
  device,
  envelope,
  identityKey,
  kyberKey,
  newAccountId,
  rejectionCode,
  seedAccount,
  signedEc,
  ecKey,
} from './fixtures.js';
import type { MakeHarness } from './fixtures.js';
import { useHarness } from './harness-hooks.js';

export function accountSuite(make: MakeHarness): void {
  void describe('accounts and devices', () => {
    const x = useHarness(make);

    void it('creates an account together with its first device (id 1)', async () => {
      const id = newAccountId();
      await x.s.accounts.createAccount(id, identityKey(7), device(42, 'hash-1'), T0);
      const a = await x.s.accounts.getAccount(id);
      assert.deepEqual(a, { accountId: id, identityKey: identityKey(7), username: null, createdAt: T0 });
      assert.deepEqual(await x.s.accounts.listDevices(id), [
        { accountId: id, deviceId: 1, registrationId: 42, secretHash: 'hash-1', createdAt: T0 },
      ]);
      assert.deepEqual(await x.s.accounts.getDevice(id, 1), {
        accountId: id,
        deviceId: 1,
        registrationId: 42,
        secretHash: 'hash-1',
        createdAt: T0,
      });
    });

    void it('refuses an account id that already exists and keeps the original', async () => {
      const id = newAccountId();
      await x.s.accounts.createAccount(id, identityKey(1), device(), T0);
      assert.equal(
        await rejectionCode(x.s.accounts.createAccount(id, identityKey(2), device(), T0 + 1)),
        'AccountExists',
      );
      assert.deepEqual((await x.s.accounts.getAccount(id))?.identityKey, identityKey(1));
      assert.equal((await x.s.accounts.listDevices(id)).length, 1);
    });

    void it('rejects malformed arguments with InvalidArgument', async () => {
      const id = newAccountId();
      assert.equal(
        await rejectionCode(x.s.accounts.createAccount(id, new Uint8Array(32), device(), T0)),
        'InvalidArgument',
      );
      assert.equal(await rejectionCode(x.s.accounts.getAccount('not-a-uuid')), 'InvalidArgument');
      assert.equal(await rejectionCode(x.s.accounts.getDevice(id, 0)), 'InvalidArgument');
      assert.equal(await x.s.accounts.getAccount(id), null, 'nothing was written');
    });

    void it('answers null / [] for unknown accounts and devices', async () => {
      const id = newAccountId();
      assert.equal(await x.s.accounts.getAccount(id), null);
      assert.deepEqual(await x.s.accounts.listDevices(id), []);
      assert.equal(await x.s.accounts.getDevice(id, 1), null);
    });

    void it('adds devices with the lowest free id and reuses a removed id', async () => {
      const id = await seedAccount(x.s);
      assert.equal(await x.s.accounts.addDevice(id, device(2), 127, T0), 2);
      assert.equal(await x.s.accounts.addDevice(id, device(3), 127, T0), 3);
      assert.equal(await x.s.accounts.removeDevice(id, 2), true);
      assert.equal(await x.s.accounts.addDevice(id, device(22), 127, T0 + 5), 2);
      const d2 = await x.s.accounts.getDevice(id, 2);
      assert.equal(d2?.registrationId, 22);
      assert.equal(d2?.createdAt, T0 + 5);
      assert.deepEqual(
        (await x.s.accounts.listDevices(id)).map((d) => d.deviceId),
        [1, 2, 3],
      );
    });

    void it('refuses a device beyond maxDevices and on an unknown account', async () => {
      const id = await seedAccount(x.s);
      assert.equal(await x.s.accounts.addDevice(id, device(), 2, T0), 2);
      assert.equal(await x.s.accounts.addDevice(id, device(), 2, T0), 'TooManyDevices');
      assert.equal(await x.s.accounts.addDevice(newAccountId(), device(), 2, T0), 'AccountNotFound');
    });

    void it('removes a device with its keys and queued envelopes; a re-added id starts empty', async () => {
      const id = await seedAccount(x.s, 2);
      await x.s.keys.putKeys(
        id,
        2,
        { signedPreKey: signedEc(1), preKeys: [ecKey(5)], kyberLastResort: kyberKey(9) },
        { maxOneTimeKeys: 100 },
      );
      await x.s.mailbox.enqueueMany([envelope(id, 2, 1), envelope(id, 1, 2)], { queueCap: 10 });
      assert.equal(await x.s.accounts.removeDevice(id, 2), true);
      assert.equal(await x.s.accounts.removeDevice(id, 2), false);
      assert.equal(await x.s.accounts.getDevice(id, 2), null);
      assert.equal(await x.s.accounts.addDevice(id, device(77), 127, T0), 2);
      assert.deepEqual(await x.s.keys.keyCounts(id, 2), {
        preKeys: 0,
        kyberPreKeys: 0,
        signedPreKeyId: null,
        kyberLastResortId: null,
      });
      assert.deepEqual(await x.s.mailbox.fetch(id, 2, 0, 10), []);
      assert.equal(await x.s.mailbox.queuedCount(id, 2), 0);
      assert.equal((await x.s.mailbox.fetch(id, 1, 0, 10)).length, 1, 'the other device keeps its queue');
    });

    void it('deletes an account with every device, key and queued envelope; its username is free', async () => {
      const id = await seedAccount(x.s, 2);
      const other = await seedAccount(x.s);
      assert.equal(await x.s.accounts.setUsername(id, 'leaving_01'), 'ok');
      await x.s.keys.putKeys(
        id,
        2,
        { signedPreKey: signedEc(1), preKeys: [ecKey(5)], kyberLastResort: kyberKey(9) },
        { maxOneTimeKeys: 100 },
      );
      // Queued for it, and sent by it to someone else.
      await x.s.mailbox.enqueueMany(
        [envelope(id, 1, 1), envelope(id, 2, 2), envelope(other, 1, 3, { senderAccountId: id })],
        { queueCap: 10 },
      );
      assert.equal(await x.s.accounts.deleteAccount(id), true);
      assert.equal(await x.s.accounts.deleteAccount(id), false);
      assert.equal(await x.s.accounts.getAccount(id), null);
      assert.deepEqual(await x.s.accounts.listDevices(id), []);
      assert.equal(await x.s.accounts.getDevice(id, 2), null);
      assert.equal(await x.s.keys.claimBundle(id, 2), null);
      assert.deepEqual(await x.s.mailbox.fetch(id, 1, 0, 10), []);
      assert.deepEqual(await x.s.mailbox.fetch(id, 2, 0, 10), []);
      assert.equal(await x.s.accounts.findAccountByUsername('leaving_01'), null);
      assert.equal(await x.s.accounts.setUsername(other, 'leaving_01'), 'ok', 'the username is free');
      const kept = await x.s.mailbox.fetch(other, 1, 0, 10);
      assert.equal(kept.length, 1, 'what it sent others stays theirs');
      assert.equal(kept[0]?.senderAccountId, id);
      assert.equal(await x.s.accounts.deleteAccount(newAccountId()), false);
    });

    void it('replaces a device secret hash', async () => {
      const id = await seedAccount(x.s);
      assert.equal(await x.s.accounts.setDeviceSecretHash(id, 1, 'new-hash'), true);
      assert.equal((await x.s.accounts.getDevice(id, 1))?.secretHash, 'new-hash');
      assert.equal(await x.s.accounts.setDeviceSecretHash(id, 9, 'x'), false);
    });
  });

  void describe('usernames', () => {
    const x = useHarness(make);

    void it('sets a username and finds the account by it case-insensitively', async () => {
      const id = await seedAccount(x.s);
      assert.equal(await x.s.accounts.setUsername(id, 'Alice_1'), 'ok');
      assert.equal((await x.s.accounts.getAccount(id))?.username, 'Alice_1');
      assert.equal(await x.s.accounts.findAccountByUsername('alice_1'), id);
      assert.equal(await x.s.accounts.findAccountByUsername('ALICE_1'), id);
      assert.equal(await x.s.accounts.findAccountByUsername('alice_2'), null);
    });

    void it('refuses a name another account holds in any case', async () => {
      const a = await seedAccount(x.s);
      const b = await seedAccount(x.s);
      assert.equal(await x.s.accounts.setUsername(a, 'bob'), 'ok');
      assert.equal(await x.s.accounts.setUsername(b, 'BOB'), 'UsernameTaken');
      assert.equal((await x.s.accounts.getAccount(b))?.username, null);
      assert.equal(await x.s.accounts.findAccountByUsername('bob'), a);
    });

    void it('lets the holder re-set its own name in another case', async () => {
      const a = await seedAccount(x.s);
      assert.equal(await x.s.accounts.setUsername(a, 'carol'), 'ok');
      assert.equal(await x.s.accounts.setUsername(a, 'Carol'), 'ok');
      assert.equal((await x.s.accounts.getAccount(a))?.username, 'Carol');
    });

    void it('releases the old name on change and on clear', async () => {
      const a = await seedAccount(x.s);
      const b = await seedAccount(x.s);
      await x.s.accounts.setUsername(a, 'dave');
      assert.equal(await x.s.accounts.setUsername(a, 'david'), 'ok');
      assert.equal(await x.s.accounts.findAccountByUsername('dave'), null);
      assert.equal(await x.s.accounts.setUsername(b, 'Dave'), 'ok');
      assert.equal(await x.s.accounts.clearUsername(a), true);
      assert.equal(await x.s.accounts.clearUsername(a), false);
      assert.equal((await x.s.accounts.getAccount(a))?.username, null);
      assert.equal(await x.s.accounts.setUsername(b, 'DAVID'), 'ok');
      assert.equal(await x.s.accounts.findAccountByUsername('david'), b);
      assert.equal(await x.s.accounts.findAccountByUsername('dave'), null);
    });

    void it('answers AccountNotFound for an unknown account', async () => {
      assert.equal(await x.s.accounts.setUsername(newAccountId(), 'erin'), 'AccountNotFound');
      assert.equal(await x.s.accounts.findAccountByUsername('erin'), null);
    });

    void it('gives a contested name to exactly one of many concurrent setters', async () => {
      const ids = await Promise.all(Array.from({ length: 20 }, () => seedAccount(x.s)));
      const outcomes = await Promise.all(
        ids.map((id, i) => x.s.accounts.setUsername(id, i % 2 ? 'Frank' : 'frank')),
      );
      assert.equal(outcomes.filter((o) => o === 'ok').length, 1);
      assert.equal(outcomes.filter((o) => o === 'UsernameTaken').length, 19);
      const winner = ids[outcomes.indexOf('ok')];
      assert.equal(await x.s.accounts.findAccountByUsername('FRANK'), winner);
    });
  });
}
