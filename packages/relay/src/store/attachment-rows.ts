// Row decoding shared by every AttachmentStore adapter, so SQLite and PostgreSQL return the same
// metadata and reject the same corrupt rows.
import type { AttachmentMeta } from './ports.js';
import { StoreError } from './store-error.js';
import { asRow, int, intOrNull, text, textOrNull } from './row-checks.js';

/** Decodes an attachment metadata row; an owner is both columns or neither. */
export function attachmentMetaRow(v: unknown): AttachmentMeta {
  const r = asRow(v);
  const ownerAccount = textOrNull(r, 'owner_account_id');
  const ownerDevice = intOrNull(r, 'owner_device_id');
  if ((ownerAccount === null) !== (ownerDevice === null)) {
    throw new StoreError('CorruptRow', 'unexpected value in column owner_device_id');
  }
  return {
    attachmentId: text(r, 'attachment_id'),
    owner:
      ownerAccount === null || ownerDevice === null
        ? null
        : { accountId: ownerAccount, deviceId: ownerDevice },
    size: int(r, 'size'),
    createdAt: int(r, 'created_at'),
    expiresAt: int(r, 'expires_at'),
  };
}
