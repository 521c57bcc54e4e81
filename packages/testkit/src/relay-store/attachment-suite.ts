// AttachmentStore behaviour every adapter must show.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { NewAttachment } from '@sotto/relay/store';
import { DAY, T0, filled, newAccountId, rejectionCode } from './fixtures.js';
import type { MakeHarness } from './fixtures.js';
import { useHarness } from './harness-hooks.js';

const LIMITS = { maxBytes: 64 * 1024 };

const blob = (id: string, size: number, over: Partial<NewAttachment> = {}): NewAttachment => ({
  attachmentId: id,
  owner: null,
  bytes: filled(size, size),
  createdAt: T0,
  expiresAt: T0 + DAY,
  ...over,
});

export function attachmentSuite(make: MakeHarness): void {
  void describe('attachments', () => {
    const x = useHarness(make);

    void it('stores a blob and returns the same bytes and metadata', async () => {
      const owner = { accountId: newAccountId(), deviceId: 3 };
      assert.equal(await x.s.attachments.putAttachment(blob('a'.repeat(32), 5000, { owner }), LIMITS), 'ok');
      assert.deepEqual(await x.s.attachments.getAttachment('a'.repeat(32), T0), filled(5000, 5000));
      assert.deepEqual(await x.s.attachments.getAttachmentMeta('a'.repeat(32), T0), {
        attachmentId: 'a'.repeat(32),
        owner,
        size: 5000,
        createdAt: T0,
        expiresAt: T0 + DAY,
      });
      assert.equal(
        await x.s.attachments.putAttachment(blob('e'.repeat(32), 0), LIMITS),
        'ok',
        'empty is fine',
      );
      assert.deepEqual(await x.s.attachments.getAttachment('e'.repeat(32), T0), new Uint8Array(0));
    });

    void it('answers null for an unknown or expired attachment', async () => {
      await x.s.attachments.putAttachment(blob('b'.repeat(32), 10), LIMITS);
      assert.equal(await x.s.attachments.getAttachment('c'.repeat(32), T0), null);
      assert.equal(await x.s.attachments.getAttachment('b'.repeat(32), T0 + DAY), null);
      assert.equal(await x.s.attachments.getAttachmentMeta('b'.repeat(32), T0 + DAY), null);
    });

    void it('refuses a blob over the limit and an id already taken', async () => {
      assert.equal(
        await x.s.attachments.putAttachment(blob('d'.repeat(32), 101), { maxBytes: 100 }),
        'TooLarge',
      );
      assert.equal(await x.s.attachments.getAttachment('d'.repeat(32), T0), null);
      assert.equal(await x.s.attachments.putAttachment(blob('d'.repeat(32), 10), LIMITS), 'ok');
      assert.equal(await x.s.attachments.putAttachment(blob('d'.repeat(32), 20), LIMITS), 'Exists');
      assert.equal((await x.s.attachments.getAttachment('d'.repeat(32), T0))?.length, 10);
    });

    void it('rejects a malformed id with InvalidArgument', async () => {
      assert.equal(
        await rejectionCode(x.s.attachments.putAttachment(blob('../etc', 1), LIMITS)),
        'InvalidArgument',
      );
      assert.equal(await rejectionCode(x.s.attachments.getAttachment('short', T0)), 'InvalidArgument');
    });

    void it('deletes, and sweeps only expired attachments within the limit', async () => {
      for (const [i, days] of [1, 2, 3, 10].entries()) {
        await x.s.attachments.putAttachment(
          blob(String(i).repeat(20), 10, { expiresAt: T0 + days * DAY }),
          LIMITS,
        );
      }
      assert.equal(await x.s.attachments.deleteAttachment('3'.repeat(20)), true);
      assert.equal(await x.s.attachments.deleteAttachment('3'.repeat(20)), false);
      assert.equal(await x.s.attachments.sweepExpiredAttachments(T0 + 3 * DAY, 2), 2);
      assert.equal(await x.s.attachments.getAttachmentMeta('0'.repeat(20), T0), null);
      assert.notEqual(await x.s.attachments.getAttachmentMeta('2'.repeat(20), T0), null);
      assert.equal(await x.s.attachments.sweepExpiredAttachments(T0 + 3 * DAY, 100), 1);
      assert.equal(await x.s.attachments.sweepExpiredAttachments(T0 + 100 * DAY, 100), 0);
    });
  });
}
