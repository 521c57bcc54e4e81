// The periodic credential recheck (sessionRecheckSeconds): a device removed without a notice reaching
// this node (here: straight through the store, as another node of an older version or a lost bus
// hint would leave it) is cut off, and so is a socket whose device id now belongs to another device.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DeliverFrame, RelayConnection } from '@sotto/wire';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { addDevice, envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';
import type { TestRelay, TestUser } from './helpers/harness.js';

const open: RelayConnection[] = [];

interface Watched {
  conn: RelayConnection;
  got: DeliverFrame[];
  closedWith(): string | undefined;
}

async function connectAs(
  t: TestRelay,
  user: TestUser,
  deviceId: number,
  secret: Uint8Array,
): Promise<Watched> {
  const got: DeliverFrame[] = [];
  let closed: string | undefined;
  const conn = t.anon
    .withCredentials({ accountId: user.accountId, deviceId, secret })
    .connect({ onDeliver: (d) => void got.push(d), onClose: (c) => (closed ??= c.error?.code ?? 'closed') });
  open.push(conn);
  await conn.ready;
  return { conn, got, closedWith: () => closed };
}

/** Sends one envelope to each [deviceId, registrationId] of `to`. */
async function sendTo(from: TestUser, to: TestUser, devices: [number, number][]): Promise<void> {
  const conn = from.client.connect();
  await conn.ready;
  const result = await conn.submit(
    to.accountId,
    devices.map(([deviceId, registrationId]) => ({
      deviceId,
      registrationId,
      envelopeId: envelopeId(),
      envelopeType: 1,
      content: new TextEncoder().encode(`for device ${deviceId}`),
    })),
  );
  assert.equal(result.error, null);
  conn.close();
}

void describe('periodic credential recheck', () => {
  void it('cuts off a removed device and a socket whose device id was reused, and nothing else', async () => {
    const ports = await openSqliteStore(':memory:');
    // A long interval: this test runs the pass itself.
    const t = await startTestRelay({ sessionRecheckSeconds: 3600 }, { store: ports });
    try {
      const alice = await registerUser(t);
      const bob = await registerUser(t);
      const lostPhone = await addDevice(t.anon, alice, 11);
      const laptop = await addDevice(t.anon, alice, 12);
      assert.deepEqual([lostPhone.deviceId, laptop.deviceId], [2, 3]);
      const primary = await connectAs(t, alice, 1, alice.secret);
      const phone = await connectAs(t, alice, 2, lostPhone.secret);
      const lap = await connectAs(t, alice, 3, laptop.secret);

      // Both removed where no notice reaches this node's sockets; then a new device is linked and,
      // ids being reused, becomes device 2.
      assert.equal(await ports.accounts.removeDevice(alice.accountId, 2), true);
      assert.equal(await ports.accounts.removeDevice(alice.accountId, 3), true);
      const tablet = await addDevice(t.anon, alice, 13);
      assert.equal(tablet.deviceId, 2);
      // Control: until the recheck, the lost phone's socket is taken for the new device 2 and is
      // pushed what is sent to it. This is what the recheck exists to stop.
      await sendTo(bob, alice, [
        [1, alice.registrationId],
        [2, 13],
      ]);
      await waitFor(() => phone.got.length === 1, 5000, 'the stale socket receiving device 2 mail');
      assert.equal(phone.closedWith(), undefined);
      assert.equal(lap.closedWith(), undefined);

      // Checked: alice's three sockets, and bob's, unless its close has already landed.
      const pass = await t.relay.recheckSessionsNow();
      assert.deepEqual({ revoked: pass.revoked, failed: pass.failed }, { revoked: 2, failed: 0 });
      assert.ok(pass.checked >= 3, `checked ${pass.checked}`);
      await waitFor(
        () => phone.closedWith() !== undefined && lap.closedWith() !== undefined,
        5000,
        'cut off',
      );
      assert.equal(phone.closedWith(), 'Unauthorized');
      assert.equal(lap.closedWith(), 'Unauthorized');
      // The stale secret no longer logs in, the new device does, and device 1 was left alone.
      const again = await connectAs(t, alice, 2, lostPhone.secret).catch((e: unknown) => e);
      assert.ok(again instanceof Error, 'the lost phone cannot log in again');
      const tab = await connectAs(t, alice, 2, tablet.secret);
      await sendTo(bob, alice, [
        [1, alice.registrationId],
        [2, 13],
      ]);
      // The tablet also gets the first envelope: the stale socket was pushed it but never acked it.
      await waitFor(() => primary.got.length === 2 && tab.got.length === 2, 5000, 'delivery after the pass');
      assert.equal(primary.closedWith(), undefined);
      assert.equal(phone.got.length, 1);
      assert.match(await t.relay.recheckSessionsNow().then((r) => JSON.stringify(r)), /"revoked":0/);
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(metrics, /^sotto_relay_sessions_revoked_by_recheck_total 2$/m);
    } finally {
      open.forEach((c) => c.close());
      await t.close();
    }
  });

  void it('runs on its own every sessionRecheckSeconds', async () => {
    const ports = await openSqliteStore(':memory:');
    const t = await startTestRelay({ sessionRecheckSeconds: 1 }, { store: ports });
    try {
      const alice = await registerUser(t);
      const second = await addDevice(t.anon, alice, 21);
      const w = await connectAs(t, alice, second.deviceId, second.secret);
      await ports.accounts.removeDevice(alice.accountId, second.deviceId);
      await waitFor(() => w.closedWith() !== undefined, 5000, 'cut off by the timer');
      assert.equal(w.closedWith(), 'Unauthorized');
    } finally {
      open.forEach((c) => c.close());
      await t.close();
    }
  });
});
