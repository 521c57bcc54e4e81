// What the WebSocket session and the submit path need from storage, phrased in the relay's terms.
// store-adapter.ts implements it on R3's ports (store/ports.ts); tests can fake it.
import type { SubmitEnvelope, SubmitResult } from '@sotto/wire';

export interface DeviceRef {
  accountId: string;
  deviceId: number;
}

/** A stored envelope as pushed in a DELIVER frame. */
export interface QueuedEnvelope {
  seq: number;
  envelopeId: Uint8Array;
  senderAccountId: string;
  senderDeviceId: number;
  serverTimestamp: number;
  envelopeType: number;
  content: Uint8Array;
}

export interface Mailbox {
  /** Validates the device list, stores durably (group commit), and reports per device. */
  submit(sender: DeviceRef, recipientAccountId: string, envelopes: SubmitEnvelope[]): Promise<SubmitResult>;
  /** Envelopes for one device with seq > afterSeq, in seq order, at most `limit`. */
  fetch(device: DeviceRef, afterSeq: number, limit: number): Promise<QueuedEnvelope[]>;
  /** Deletes the device's envelopes with seq <= upTo or seq in `seqs` (in a later group commit). */
  ack(device: DeviceRef, upTo: number, seqs: number[]): Promise<void>;
  /** Resolves once every ack received so far is applied. */
  flushAcks(): Promise<void>;
}

export function deviceKey(d: DeviceRef): string {
  return `${d.accountId}.${d.deviceId}`;
}
