// The submit path shared by the SUBMIT frame and PUT /v1/messages: check the device list like
// Signal-Server (409 mismatched, 410 stale), store durably through the group-commit writer, and only
// then answer; wake the recipients' sessions after the commit.
import type { SubmitEnvelope, SubmitResult } from '@sotto/wire';
import type { RelayMetrics } from '../metrics.js';
import type { EnvelopeToStore, RelayStore } from '../relay-store.js';
import type { DeviceHub } from '../ws/device-hub.js';
import type { DeviceRef, Mailbox, QueuedEnvelope } from './mailbox.js';

export interface MailboxOptions {
  store: RelayStore;
  hub: DeviceHub;
  metrics: RelayMetrics;
  now: () => number;
  messageTtlMs: number;
}

const empty = (): SubmitResult => ({
  error: null,
  missingDevices: [],
  extraDevices: [],
  staleDevices: [],
  results: [],
});

export function createMailbox(o: MailboxOptions): Mailbox {
  return {
    async submit(
      sender: DeviceRef,
      recipientAccountId: string,
      envelopes: SubmitEnvelope[],
    ): Promise<SubmitResult> {
      const devices = await o.store.listDevices(recipientAccountId);
      if (devices.length === 0) return reject(o, { ...empty(), error: 'AccountNotFound' });
      // Sending to one's own account addresses every device except the sender's.
      const expected = devices.filter(
        (d) => !(recipientAccountId === sender.accountId && d.deviceId === sender.deviceId),
      );
      const submitted = new Set(envelopes.map((e) => e.deviceId));
      const expectedIds = new Set(expected.map((d) => d.deviceId));
      const missingDevices = [...expectedIds].filter((d) => !submitted.has(d)).sort((a, b) => a - b);
      const extraDevices = [...submitted].filter((d) => !expectedIds.has(d)).sort((a, b) => a - b);
      if (missingDevices.length > 0 || extraDevices.length > 0) {
        return reject(o, { ...empty(), error: 'MismatchedDevices', missingDevices, extraDevices });
      }
      const regIds = new Map(expected.map((d) => [d.deviceId, d.registrationId]));
      const staleDevices = envelopes
        .filter((e) => regIds.get(e.deviceId) !== e.registrationId)
        .map((e) => e.deviceId)
        .sort((a, b) => a - b);
      if (staleDevices.length > 0) return reject(o, { ...empty(), error: 'StaleDevices', staleDevices });

      const now = o.now();
      const rows: EnvelopeToStore[] = envelopes.map((e) => ({
        deviceId: e.deviceId,
        envelopeId: e.envelopeId,
        senderAccountId: sender.accountId,
        senderDeviceId: sender.deviceId,
        serverTimestamp: now,
        expiresAt: now + o.messageTtlMs,
        envelopeType: e.envelopeType,
        content: e.content,
      }));
      const outcomes = await o.store.enqueue(recipientAccountId, rows);
      const result = empty();
      envelopes.forEach((e, i) => {
        const outcome = outcomes[i]?.outcome;
        const seq = outcomes[i]?.seq;
        if (outcome === 'stored') {
          o.metrics.envelopesAccepted.inc();
          const row = rows[i]!;
          o.hub.notify(
            { accountId: recipientAccountId, deviceId: e.deviceId },
            typeof seq !== 'number'
              ? undefined
              : {
                  seq,
                  envelopeId: row.envelopeId,
                  senderAccountId: row.senderAccountId,
                  senderDeviceId: row.senderDeviceId,
                  serverTimestamp: row.serverTimestamp,
                  envelopeType: row.envelopeType,
                  content: row.content,
                },
          );
        }
        const status =
          outcome === 'queueFull'
            ? 'QueueFull'
            : outcome === 'deviceNotFound'
              ? 'DeviceNotFound'
              : 'Accepted';
        if (status !== 'Accepted') o.metrics.submitsRejected.inc({ code: status });
        result.results.push({ deviceId: e.deviceId, status });
      });
      return result;
    },

    async fetch(device: DeviceRef, afterSeq: number, limit: number): Promise<QueuedEnvelope[]> {
      // An envelope past its expiry is not delivered, even before the sweeper has deleted it.
      return o.store.fetch(device.accountId, device.deviceId, afterSeq, limit, o.now());
    },

    flushAcks: () => o.store.flushAcks(),

    async ack(device: DeviceRef, upTo: number, seqs: number[]): Promise<void> {
      const n = await o.store.ack(device.accountId, device.deviceId, upTo, seqs);
      o.metrics.envelopesAcked.inc(n);
    },
  };
}

function reject(o: MailboxOptions, r: SubmitResult): SubmitResult {
  if (r.error) o.metrics.submitsRejected.inc({ code: r.error });
  return r;
}
