// Argument checks of the mailbox port, shared by the SQLite and PostgreSQL adapters: what reaches a
// transaction has already been proven well-formed (guards.ts), so a bad value is an InvalidArgument,
// never a half-written batch. And the check of a mailbox row read back, the same for both.
import type { AckRequest, EnqueueItem, StoredEnvelope } from './ports.js';
import { ENVELOPE_ID_BYTES, checkAccountId, checkBytes, checkDeviceId, checkInt } from './guards.js';
import { asRow, bytes, int, text } from './row-checks.js';

/** Bound on one envelope's content (wire allows 64 KiB; leave room without being unbounded). */
export const MAX_CONTENT_BYTES = 1024 * 1024;

export function checkEnqueueItem(it: EnqueueItem, i: number): void {
  checkAccountId(it.accountId, `items[${i}].accountId`);
  checkDeviceId(it.deviceId, `items[${i}].deviceId`);
  checkBytes(it.envelopeId, `items[${i}].envelopeId`, ENVELOPE_ID_BYTES);
  checkAccountId(it.senderAccountId, `items[${i}].senderAccountId`);
  checkDeviceId(it.senderDeviceId, `items[${i}].senderDeviceId`);
  checkInt(it.serverTimestamp, `items[${i}].serverTimestamp`);
  checkInt(it.envelopeType, `items[${i}].envelopeType`, 0, 255);
  checkBytes(it.content, `items[${i}].content`, 0, MAX_CONTENT_BYTES);
  checkInt(it.expiresAt, `items[${i}].expiresAt`);
}

export function checkAck(accountId: string, deviceId: number, request: AckRequest): void {
  checkAccountId(accountId);
  checkDeviceId(deviceId);
  if (request.upToSeq !== undefined) checkInt(request.upToSeq, 'upToSeq');
  (request.seqs ?? []).forEach((s, i) => checkInt(s, `seqs[${i}]`));
}

/** A `mailbox` row as read back by either adapter (same column names), checked field by field. */
export function envelopeRow(v: unknown): StoredEnvelope {
  const r = asRow(v);
  return {
    seq: int(r, 'seq'),
    envelopeId: bytes(r, 'envelope_id', ENVELOPE_ID_BYTES),
    senderAccountId: text(r, 'sender_account_id'),
    senderDeviceId: int(r, 'sender_device_id'),
    serverTimestamp: int(r, 'server_timestamp'),
    envelopeType: int(r, 'envelope_type'),
    content: bytes(r, 'content'),
    expiresAt: int(r, 'expires_at'),
  };
}
