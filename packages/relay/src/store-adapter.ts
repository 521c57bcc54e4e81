// Adapts R3's storage ports (store/ports.ts) to the RelayStore seam the relay logic uses, and opens the
// default SQLite adapter when no ports are injected.
import type { RelayConfig } from './config.js';
import type { RelayStore } from './relay-store.js';
import type { RelayStores } from './store/index.js';
import { MailboxWriter } from './store/mailbox-writer.js';
import { AckBatcher } from './mailbox/ack-batcher.js';
import { openSqliteStore } from './store/sqlite/open-sqlite-store.js';

export type Stores = RelayStores;

const SWEEP_BATCH = 1000;

/**
 * Between sweep batches: lets sockets and timers run. Each batch is a synchronous transaction on
 * SQLite, and awaiting its already-settled promise only drains microtasks, so without this a
 * backlog of expired envelopes would hold the event loop for the whole sweep.
 */
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `batch` (which deletes at most SWEEP_BATCH rows) until a short batch; the total deleted. */
async function sweepInBatches(batch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await batch(SWEEP_BATCH);
    total += n;
    if (n < SWEEP_BATCH) return total;
    await yieldToIo();
  }
}

/**
 * Wraps a set of ports as a RelayStore. Envelopes go through R3's group-commit MailboxWriter: every
 * submit arriving in one event-loop turn shares one synced transaction, and each submit is answered
 * only after the commit holding its envelopes.
 */
/** How long an ack may wait to share a transaction with others: ≤ this much redelivery after a crash. */
const ACK_DELAY_MS = 20;

export function relayStoreFromPorts(s: RelayStores, queueCap: number): RelayStore {
  const writer = new MailboxWriter(s.mailbox, { queueCap });
  // Acks are group-committed too: one ackMany transaction for every device's acks of the last
  // ACK_DELAY_MS (nobody waits for them; see ack-batcher.ts).
  const acks = new AckBatcher((items) => s.mailbox.ackMany(items), 4096, ACK_DELAY_MS);
  return {
    createAccount: (accountId, identityKey, device, now) =>
      s.accounts.createAccount(accountId, identityKey, device, now),
    addDevice: (accountId, device, maxDevices, now) =>
      s.accounts.addDevice(accountId, device, maxDevices, now),
    removeDevice: (accountId, deviceId) => s.accounts.removeDevice(accountId, deviceId),
    deleteAccount: (accountId) => s.accounts.deleteAccount(accountId),
    async getAccount(accountId) {
      const a = await s.accounts.getAccount(accountId);
      return a && { accountId: a.accountId, identityKey: a.identityKey, username: a.username };
    },
    // The store's records are returned as they are (the submit path asks on every message, and the
    // SQLite adapter answers from a cache): they carry more fields than RelayStore promises, never fewer.
    listDevices: (accountId) => s.accounts.listDevices(accountId),
    async getDevice(accountId, deviceId) {
      const d = await s.accounts.getDevice(accountId, deviceId);
      return d && { deviceId: d.deviceId, registrationId: d.registrationId, secretHash: d.secretHash };
    },
    async setUsername(accountId, username) {
      return (await s.accounts.setUsername(accountId, username)) === 'UsernameTaken' ? 'taken' : 'ok';
    },
    async clearUsername(accountId) {
      await s.accounts.clearUsername(accountId);
    },
    findAccountByUsername: (username) => s.accounts.findAccountByUsername(username),
    putKeys: (accountId, deviceId, keys, maxOneTimeKeys) =>
      s.keys.putKeys(accountId, deviceId, keys, { maxOneTimeKeys }),
    keyCounts: (accountId, deviceId) => s.keys.keyCounts(accountId, deviceId),
    async claimKeys(accountId, deviceId) {
      const b = await s.keys.claimBundle(accountId, deviceId);
      return b && { signedPreKey: b.signedPreKey, preKey: b.preKey, kyberPreKey: b.kyberPreKey };
    },
    async enqueue(recipientAccountId, envelopes) {
      const results = await writer.submitAll(envelopes.map((e) => ({ accountId: recipientAccountId, ...e })));
      return results.map((r) => ({ outcome: r.outcome, seq: r.seq }));
    },
    async fetch(accountId, deviceId, afterSeq, limit, now) {
      return (await s.mailbox.fetch(accountId, deviceId, afterSeq, limit, now)).map((e) => ({
        seq: e.seq,
        envelopeId: e.envelopeId,
        senderAccountId: e.senderAccountId,
        senderDeviceId: e.senderDeviceId,
        serverTimestamp: e.serverTimestamp,
        envelopeType: e.envelopeType,
        content: e.content,
      }));
    },
    flushAcks: () => acks.flush(),
    ack(accountId, deviceId, upTo, seqs) {
      const request = { ...(upTo > 0 ? { upToSeq: upTo } : {}), seqs };
      return acks.ack({ accountId, deviceId, request });
    },
    sweepExpired: (now) => sweepInBatches((limit) => s.mailbox.sweepExpired(now, limit)),
    async putAttachment(attachmentId, bytes, now, expiresAt, maxBytes) {
      const outcome = await s.attachments.putAttachment(
        // The uploader is not recorded: the relay keeps no link between people and blobs.
        { attachmentId, owner: null, bytes, createdAt: now, expiresAt },
        { maxBytes },
      );
      if (outcome === 'Exists') throw new Error('attachment id collision'); // 128 random bits: a bug
      return outcome === 'ok';
    },
    getAttachment: (id, now) => s.attachments.getAttachment(id, now),
    sweepAttachments: (now) => sweepInBatches((limit) => s.attachments.sweepExpiredAttachments(now, limit)),
    scrub: () => s.scrub?.() ?? Promise.resolve(true),
    ping: () => s.healthCheck(),
    async close() {
      // Drain in-flight writes first: everything a sender was told "accepted" is already committed,
      // and anything still queued gets committed (or fails) before the database closes.
      await writer.close();
      await acks.flush();
      await s.close();
    },
  };
}

/** The injected ports, or the SQLite adapter in `config.dataDir` (created if missing). */
export async function openRelayStore(config: RelayConfig, stores: Stores | undefined): Promise<RelayStore> {
  return relayStoreFromPorts(stores ?? (await openSqliteStore(config.dataDir)), config.perDeviceQueueCap);
}
