// The SQLite account store keeps device lists in memory for the submit path. A cached list must never
// outlive a device change: this connection's own writes clear it at once, another connection's (or
// process's) commits are seen from the next event-loop turn on (PRAGMA data_version).
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSqliteStore } from '../src/store/index.js';
import type { SqliteRelayStores } from '../src/store/index.js';

const nextTurn = () => new Promise((r) => setImmediate(r));
const identityKey = () => Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 5 : i));
const device = (registrationId: number) => ({ registrationId, secretHash: `hash-${registrationId}` });
const ids = (s: SqliteRelayStores, accountId: string) =>
  s.accounts.listDevices(accountId).then((l) => l.map((d) => [d.deviceId, d.registrationId, d.secretHash]));

void describe('SQLite device-list cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-devcache-'));
  const opened: SqliteRelayStores[] = [];
  const open = async () => {
    const s = await openSqliteStore(dir);
    opened.push(s);
    return s;
  };
  after(async () => {
    for (const s of opened) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it("reflects this connection's own device writes immediately", async () => {
    const s = await open();
    const a = randomUUID();
    await s.accounts.createAccount(a, identityKey(), device(11), 1);
    assert.deepEqual(await ids(s, a), [[1, 11, 'hash-11']]);
    assert.equal(await s.accounts.addDevice(a, device(12), 5, 2), 2);
    assert.deepEqual(await ids(s, a), [
      [1, 11, 'hash-11'],
      [2, 12, 'hash-12'],
    ]);
    assert.equal(await s.accounts.setDeviceSecretHash(a, 2, 'rehashed'), true);
    assert.deepEqual((await ids(s, a))[1], [2, 12, 'rehashed']);
    assert.equal(await s.accounts.removeDevice(a, 1), true);
    assert.deepEqual(await ids(s, a), [[2, 12, 'rehashed']]);
  });

  void it('sees device changes committed by another connection from the next turn on', async () => {
    const mine = await open();
    const other = await open();
    const a = randomUUID();
    await mine.accounts.createAccount(a, identityKey(), device(21), 1);
    assert.deepEqual(await ids(mine, a), [[1, 21, 'hash-21']]); // cached now
    await nextTurn();
    assert.equal(await other.accounts.addDevice(a, device(22), 5, 2), 2);
    await nextTurn();
    assert.deepEqual(await ids(mine, a), [
      [1, 21, 'hash-21'],
      [2, 22, 'hash-22'],
    ]);
    await nextTurn();
    assert.equal(await other.accounts.removeDevice(a, 1), true);
    await nextTurn();
    assert.deepEqual(await ids(mine, a), [[2, 22, 'hash-22']]);
  });

  void it('hands out copies: a caller changing its list does not change the cache', async () => {
    const s = await open();
    const a = randomUUID();
    await s.accounts.createAccount(a, identityKey(), device(31), 1);
    const first = await s.accounts.listDevices(a);
    first.pop();
    assert.equal((await s.accounts.listDevices(a)).length, 1);
    const [d] = await s.accounts.listDevices(a);
    assert.throws(() => {
      (d as { secretHash: string }).secretHash = 'changed';
    }, TypeError);
    assert.equal((await s.accounts.listDevices(a))[0]!.secretHash, 'hash-31');
  });
});
