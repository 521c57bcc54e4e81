/**
 * An outbox entry: a message persisted BEFORE its first send attempt, so it survives restarts.
 * A message has legs, one per recipient account: the contact, and (for texts) our own account's
 * other devices (sync copies). Envelope ids are chosen once per device and reused on every retry,
 * so the relay stores each copy once however often we resubmit.
 */
import { RecordReader, bytesToHex, encodeRecord } from './record-codec.js';

export interface OutboxLeg {
  recipient: string;
  /** The inner content (unpadded) for this leg. */
  content: Uint8Array;
  /** deviceId → 32-hex envelope id. */
  envelopeIds: Record<string, string>;
  done: boolean;
}

export interface OutboxEntry {
  /** 32 hex chars: the message id. */
  id: string;
  /** 'sync': for our own other devices only (contacts sync, sync requests; contact = our account). */
  kind: 'text' | 'receipt' | 'sync';
  /** The conversation (contact account id) the message belongs to. */
  contact: string;
  legs: OutboxLeg[];
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
}

export function encodeOutbox(o: OutboxEntry): Uint8Array {
  return encodeRecord({
    v: 1,
    id: o.id,
    kind: o.kind,
    contact: o.contact,
    legs: o.legs.map((l) => ({
      recipient: l.recipient,
      content: bytesToHex(l.content),
      envelopeIds: Object.entries(l.envelopeIds).map(([deviceId, envelopeId]) => ({
        deviceId: Number(deviceId),
        envelopeId,
      })),
      done: l.done,
    })),
    attempts: o.attempts,
    nextAttemptAt: o.nextAttemptAt,
    createdAt: o.createdAt,
  });
}

export function decodeOutbox(bytes: Uint8Array): OutboxEntry {
  const r = RecordReader.parse(bytes, 'outbox entry');
  return {
    id: r.str('id'),
    kind: r.oneOf('kind', ['text', 'receipt', 'sync'] as const),
    contact: r.str('contact'),
    legs: r.array('legs').map((l) => {
      const envelopeIds: Record<string, string> = {};
      for (const e of l.array('envelopeIds'))
        envelopeIds[String(e.int('deviceId', 1, 127))] = e.str('envelopeId');
      return {
        recipient: l.str('recipient'),
        content: l.bytes('content'),
        envelopeIds,
        done: l.bool('done'),
      };
    }),
    attempts: r.int('attempts'),
    nextAttemptAt: r.int('nextAttemptAt'),
    createdAt: r.int('createdAt'),
  };
}
