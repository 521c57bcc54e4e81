// AttachmentStore on PostgreSQL: metadata and the encrypted blob in one row (bytea, TOASTed out of
// line for large values, so metadata reads stay cheap). Committed before put resolves.
import type { AttachmentStore } from '../ports.js';
import { checkAccountId, checkAttachmentId, checkBytes, checkDeviceId, checkInt } from '../guards.js';
import { attachmentMetaRow } from '../attachment-rows.js';
import { asRow, bytes, int } from '../row-checks.js';
import { buf } from './pg-handle.js';
import type { PgHandle } from './pg-handle.js';

export function pgAttachmentStore(h: PgHandle): AttachmentStore {
  return {
    async putAttachment(a, limits) {
      checkAttachmentId(a.attachmentId);
      checkInt(limits.maxBytes, 'maxBytes');
      if (a.owner) {
        checkAccountId(a.owner.accountId, 'owner.accountId');
        checkDeviceId(a.owner.deviceId, 'owner.deviceId');
      }
      checkInt(a.createdAt, 'createdAt');
      checkInt(a.expiresAt, 'expiresAt');
      checkBytes(a.bytes, 'bytes', 0, Number.MAX_SAFE_INTEGER);
      if (a.bytes.length > limits.maxBytes) return 'TooLarge';
      const rows = await h.query(
        'INSERT INTO attachment (attachment_id, owner_account_id, owner_device_id, size, created_at, expires_at, blob) ' +
          'VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (attachment_id) DO NOTHING RETURNING 1 AS x',
        [
          a.attachmentId,
          a.owner?.accountId ?? null,
          a.owner?.deviceId ?? null,
          a.bytes.length,
          a.createdAt,
          a.expiresAt,
          buf(a.bytes),
        ],
      );
      return rows.length === 1 ? 'ok' : 'Exists';
    },

    async getAttachment(attachmentId, now) {
      checkAttachmentId(attachmentId);
      checkInt(now, 'now');
      const rows = await h.query(
        'SELECT size, blob FROM attachment WHERE attachment_id = $1 AND expires_at > $2',
        [attachmentId, now],
      );
      if (rows[0] === undefined) return null;
      const r = asRow(rows[0]);
      return bytes(r, 'blob', int(r, 'size'));
    },

    async getAttachmentMeta(attachmentId, now) {
      checkAttachmentId(attachmentId);
      checkInt(now, 'now');
      const rows = await h.query(
        'SELECT attachment_id, owner_account_id::text AS owner_account_id, owner_device_id, size, created_at, ' +
          'expires_at FROM attachment WHERE attachment_id = $1 AND expires_at > $2',
        [attachmentId, now],
      );
      return rows[0] === undefined ? null : attachmentMetaRow(rows[0]);
    },

    async deleteAttachment(attachmentId) {
      checkAttachmentId(attachmentId);
      const rows = await h.query('DELETE FROM attachment WHERE attachment_id = $1 RETURNING 1 AS x', [
        attachmentId,
      ]);
      return rows.length === 1;
    },

    async sweepExpiredAttachments(now, limit) {
      checkInt(now, 'now');
      checkInt(limit, 'limit', 1, 1_000_000);
      const rows = await h.query(
        'DELETE FROM attachment WHERE attachment_id IN ' +
          '(SELECT attachment_id FROM attachment WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 ' +
          'FOR UPDATE SKIP LOCKED) RETURNING 1 AS x',
        [now, limit],
      );
      return rows.length;
    },
  };
}
