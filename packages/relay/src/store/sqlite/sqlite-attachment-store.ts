// AttachmentStore on SQLite: metadata and the encrypted blob in one row (blob last, so metadata reads
// skip its overflow pages). Committed with synchronous=FULL before put resolves. Blobs up to the
// relay's limit (default 100 MiB) are written in one synchronous call; a file-per-blob backend
// (fsync + atomic rename under dataDir/attachments) can replace this behind the same port.
import type { AttachmentStore } from '../ports.js';
import { checkAccountId, checkAttachmentId, checkBytes, checkDeviceId, checkInt } from '../guards.js';
import { attachmentMetaRow } from '../attachment-rows.js';
import { asRow, bytes, int } from '../row-checks.js';
import type { SqliteHandle } from './sqlite-handle.js';

export function sqliteAttachmentStore(h: SqliteHandle): AttachmentStore {
  return {
    putAttachment(a, limits) {
      return h.call(() => {
        checkAttachmentId(a.attachmentId);
        checkInt(limits.maxBytes, 'maxBytes');
        if (a.owner) {
          checkAccountId(a.owner.accountId, 'owner.accountId');
          checkDeviceId(a.owner.deviceId, 'owner.deviceId');
        }
        checkInt(a.createdAt, 'createdAt');
        checkInt(a.expiresAt, 'expiresAt');
        checkBytes(a.bytes, 'bytes', 0, Number.MAX_SAFE_INTEGER);
        if (a.bytes.length > limits.maxBytes) return 'TooLarge' as const;
        const info = h
          .stmt(
            'INSERT INTO attachment (attachment_id, owner_account_id, owner_device_id, size, created_at, expires_at, blob) ' +
              'VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (attachment_id) DO NOTHING',
          )
          .run(
            a.attachmentId,
            a.owner?.accountId ?? null,
            a.owner?.deviceId ?? null,
            a.bytes.length,
            a.createdAt,
            a.expiresAt,
            a.bytes,
          );
        return info.changes === 1 ? ('ok' as const) : ('Exists' as const);
      });
    },

    getAttachment(attachmentId, now) {
      return h.call(() => {
        checkAttachmentId(attachmentId);
        const v: unknown = h
          .stmt('SELECT size, blob FROM attachment WHERE attachment_id = ? AND expires_at > ?')
          .get(attachmentId, now);
        if (v === undefined) return null;
        const r = asRow(v);
        return bytes(r, 'blob', int(r, 'size'));
      });
    },

    getAttachmentMeta(attachmentId, now) {
      return h.call(() => {
        checkAttachmentId(attachmentId);
        const v: unknown = h
          .stmt(
            'SELECT attachment_id, owner_account_id, owner_device_id, size, created_at, expires_at ' +
              'FROM attachment WHERE attachment_id = ? AND expires_at > ?',
          )
          .get(attachmentId, now);
        return v === undefined ? null : attachmentMetaRow(v);
      });
    },

    deleteAttachment(attachmentId) {
      return h.call(() => {
        checkAttachmentId(attachmentId);
        return h.stmt('DELETE FROM attachment WHERE attachment_id = ?').run(attachmentId).changes === 1;
      });
    },

    sweepExpiredAttachments(now, limit) {
      return h.call(() => {
        checkInt(now, 'now');
        checkInt(limit, 'limit', 1, 1_000_000);
        return h
          .stmt(
            'DELETE FROM attachment WHERE attachment_id IN ' +
              '(SELECT attachment_id FROM attachment WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)',
          )
          .run(now, limit).changes;
      });
    },
  };
}
