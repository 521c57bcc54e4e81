/** One line of a conversation, as stored and as shown. */
import { RecordReader, encodeRecord } from './record-codec.js';

/** Outgoing: sending → sent (relay accepted) → delivered (receipt came back); failed if given up. */
export type DeliveryState = 'sending' | 'sent' | 'delivered' | 'failed' | 'received';

export interface HistoryEntry {
  /** 32 hex chars: the 16-byte message id. */
  id: string;
  /** The contact's account id (the conversation). */
  contact: string;
  direction: 'in' | 'out';
  text: string;
  /** Sender's clock (ms). */
  sentAt: number;
  /** Our clock when it arrived (incoming) or null. */
  receivedAt: number | null;
  state: DeliveryState;
}

export function encodeHistory(h: HistoryEntry): Uint8Array {
  return encodeRecord({ v: 1, ...h });
}

export function decodeHistory(bytes: Uint8Array): HistoryEntry {
  const r = RecordReader.parse(bytes, 'history entry');
  return {
    id: r.str('id'),
    contact: r.str('contact'),
    direction: r.oneOf('direction', ['in', 'out'] as const),
    text: r.str('text'),
    sentAt: r.int('sentAt'),
    receivedAt: r.intOrNull('receivedAt'),
    state: r.oneOf('state', ['sending', 'sent', 'delivered', 'failed', 'received'] as const),
  };
}
