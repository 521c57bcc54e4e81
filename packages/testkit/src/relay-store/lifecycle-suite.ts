// Health, close and durability across a reopen.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { T0, ecKey, envelope, kyberKey, rejectionCode, seedAccount, signedEc } from './fixtures.js';
import type { HarnessCapabilities, MakeHarness } from './fixtures.js';
import { useHarness } from './harness-hooks.js';

export function lifecycleSuite(make: MakeHarness, caps: HarnessCapabilities): void {
  void describe('lifecycle', () => {
    const x = useHarness(make);

    void it('is healthy while open; after close it is not and every port rejects with Closed', async () => {
      const id = await seedAccount(x.s);
      assert.equal(await x.s.healthCheck(), true);
      await x.s.close();
      await x.s.close(); // idempotent
      assert.equal(await x.s.healthCheck(), false);
      assert.equal(await rejectionCode(x.s.accounts.getAccount(id)), 'Closed');
      assert.equal(await rejectionCode(x.s.keys.claimBundle(id, 1)), 'Closed');
      assert.equal(
        await rejectionCode(x.s.mailbox.enqueueMany([envelope(id, 1, 1)], { queueCap: 9 })),
        'Closed',
      );
      assert.equal(await rejectionCode(x.s.attachments.getAttachment('a'.repeat(32), T0)), 'Closed');
    });

    if (!caps.reopen) return;
    void it('keeps accounts, usernames, keys, queued envelopes and attachments across a reopen', async () => {
      const reopen = x.h.reopen;
      assert.ok(reopen, 'harness declared reopen but has none');
      const id = await seedAccount(x.s, 2);
      await x.s.accounts.setUsername(id, 'Durable');
      await x.s.keys.putKeys(
        id,
        2,
        { signedPreKey: signedEc(3), preKeys: [ecKey(1), ecKey(2)], kyberLastResort: kyberKey(4) },
        { maxOneTimeKeys: 10 },
      );
      await x.s.mailbox.enqueueMany([envelope(id, 1, 1), envelope(id, 1, 2), envelope(id, 2, 3)], {
        queueCap: 9,
      });
      await x.s.mailbox.ack(id, 1, { upToSeq: 1 });
      await x.s.attachments.putAttachment(
        {
          attachmentId: 'z'.repeat(24),
          owner: null,
          bytes: new Uint8Array([1, 2, 3]),
          createdAt: T0,
          expiresAt: T0 + 1,
        },
        { maxBytes: 10 },
      );
      const again = await reopen();
      assert.equal(await again.accounts.findAccountByUsername('durable'), id);
      assert.deepEqual(
        (await again.accounts.listDevices(id)).map((d) => d.deviceId),
        [1, 2],
      );
      assert.deepEqual(await again.keys.keyCounts(id, 2), {
        preKeys: 2,
        kyberPreKeys: 0,
        signedPreKeyId: 3,
        kyberLastResortId: 4,
      });
      assert.deepEqual(
        (await again.mailbox.fetch(id, 1, 0, 10)).map((e) => e.envelopeId),
        [envelope(id, 1, 2).envelopeId],
      );
      assert.equal(await again.mailbox.queuedCount(id, 2), 1);
      assert.deepEqual(await again.attachments.getAttachment('z'.repeat(24), T0), new Uint8Array([1, 2, 3]));
      // The per-device counter survives too: no seq is reused after a restart.
      assert.deepEqual(await again.mailbox.enqueueMany([envelope(id, 1, 9)], { queueCap: 9 }), [
        { outcome: 'stored', seq: 3 },
      ]);
    });
  });
}
