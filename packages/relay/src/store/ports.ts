// The relay's storage ports: what the HTTP/WebSocket layer may ask of durable state. Every method is
// async so a PostgreSQL adapter (issue 8) fits the same shape; the SQLite adapter (sqlite/) is the
// default. One conformance suite (@sotto/testkit, relay-store/) runs against every adapter.
//
// Conventions shared by all ports:
// - Accounts are addressed by a lower-case UUID string, devices by (accountId, deviceId 1..127).
// - Expected outcomes (name taken, queue full, device gone) are RETURNED as string codes; only the
//   exceptional (closed store, corrupt row, invalid argument, id collision) THROWS a StoreError.
// - Times are milliseconds since the epoch, always passed in by the caller (injectable clock).
// - Byte fields are opaque to the store beyond their documented lengths; nothing here is plaintext.

// ---------------------------------------------------------------------------------------------
// Records

/** A device of an account, as stored. `secretHash` is opaque (the relay's slow hash of the secret). */
export interface DeviceRecord {
  accountId: string;
  deviceId: number;
  registrationId: number;
  secretHash: string;
  createdAt: number;
}

/** What registering a device needs; the store assigns nothing but the device id. */
export interface NewDevice {
  registrationId: number;
  secretHash: string;
}

export interface AccountRecord {
  accountId: string;
  /** 33-byte serialized identity public key (0x05 || X25519). */
  identityKey: Uint8Array;
  /** The username as last set (display form), or null. Uniqueness is on its normalised form. */
  username: string | null;
  createdAt: number;
}

/** A one-time EC prekey: 33-byte public key. */
export interface PreKeyRecord {
  keyId: number;
  publicKey: Uint8Array;
}

/** A signed EC prekey (33-byte key) or a Kyber prekey (1569-byte key); 64-byte signature. */
export interface SignedPreKeyRecord {
  keyId: number;
  publicKey: Uint8Array;
  signature: Uint8Array;
}

/** One device's upload; every field optional; applied all-or-nothing. */
export interface KeyUpload {
  /** Replaces the device's signed prekey. */
  signedPreKey?: SignedPreKeyRecord;
  /** Adds one-time EC prekeys; an id already stored is REPLACED (a retried upload is absorbed). */
  preKeys?: PreKeyRecord[];
  /** Adds one-time Kyber prekeys; same replace-on-same-id rule. */
  kyberPreKeys?: SignedPreKeyRecord[];
  /** Replaces the device's last-resort Kyber prekey (never consumed by a claim). */
  kyberLastResort?: SignedPreKeyRecord;
}

export interface KeyUploadLimits {
  /** Most one-time keys OF EACH KIND a device may hold after the upload. */
  maxOneTimeKeys: number;
}

export type KeyUploadOutcome = 'ok' | 'DeviceNotFound' | 'KeyLimitExceeded';

export interface KeyCounts {
  preKeys: number;
  kyberPreKeys: number;
  signedPreKeyId: number | null;
  kyberLastResortId: number | null;
}

/** A claimed bundle for one device; the one-time keys in it are already deleted from the store. */
export interface ClaimedBundle {
  registrationId: number;
  signedPreKey: SignedPreKeyRecord;
  /** null when the device's one-time EC prekeys are exhausted. */
  preKey: PreKeyRecord | null;
  /** A one-time Kyber prekey, else the last-resort one (`lastResort: true`). */
  kyberPreKey: SignedPreKeyRecord & { lastResort: boolean };
}

/** One envelope to store for one recipient device. */
export interface EnqueueItem {
  accountId: string;
  deviceId: number;
  /** 16 client-chosen random bytes; unique per recipient device (a retry reuses it). */
  envelopeId: Uint8Array;
  /** Stamped by the relay from the authenticated sender; opaque to the store. */
  senderAccountId: string;
  senderDeviceId: number;
  serverTimestamp: number;
  envelopeType: number;
  /** The opaque ciphertext. */
  content: Uint8Array;
  /** When the sweeper may delete it undelivered (default policy: serverTimestamp + 30 days). */
  expiresAt: number;
}

/**
 * - stored: committed (and synced) with a new per-device `seq`;
 * - duplicate: an envelope with this id is already queued for the device — success, nothing written
 *   (`seq` is the queued one's);
 * - queueFull: the device holds `queueCap` envelopes; nothing written for this item only;
 * - deviceNotFound: no such device (e.g. removed meanwhile); nothing written for this item only.
 */
export type EnqueueOutcome = 'stored' | 'duplicate' | 'queueFull' | 'deviceNotFound';

export interface EnqueueResult {
  outcome: EnqueueOutcome;
  /** The envelope's per-device seq for stored/duplicate, else null. */
  seq: number | null;
}

export interface EnqueueOptions {
  /** Most envelopes one device may have queued. */
  queueCap: number;
}

/** A queued envelope as read back for delivery. */
export interface StoredEnvelope {
  /** Per-device sequence number: strictly increasing in commit order, never reused for a device. */
  seq: number;
  envelopeId: Uint8Array;
  senderAccountId: string;
  senderDeviceId: number;
  serverTimestamp: number;
  envelopeType: number;
  content: Uint8Array;
  expiresAt: number;
}

/** Which envelopes a device acknowledges: all with seq <= upToSeq, plus each seq listed. */
export interface AckRequest {
  upToSeq?: number;
  seqs?: readonly number[];
}

/** One device's ack inside an ackMany batch. */
export interface AckItem {
  accountId: string;
  deviceId: number;
  request: AckRequest;
}

export interface NewAttachment {
  /** Random id chosen by the caller (it is a capability); [A-Za-z0-9_-]{16,64}. */
  attachmentId: string;
  /** Uploader, for quotas; null if the relay prefers not to record it. */
  owner: { accountId: string; deviceId: number } | null;
  bytes: Uint8Array;
  createdAt: number;
  expiresAt: number;
}

export interface AttachmentMeta {
  attachmentId: string;
  owner: { accountId: string; deviceId: number } | null;
  size: number;
  createdAt: number;
  expiresAt: number;
}

export interface AttachmentLimits {
  /** Largest blob accepted; the store re-checks what the caller already enforced. */
  maxBytes: number;
}

export type AttachmentPutOutcome = 'ok' | 'TooLarge' | 'Exists';

// ---------------------------------------------------------------------------------------------
// Ports

export interface AccountStore {
  /**
   * Creates the account together with its first device (deviceId 1), atomically.
   * Throws StoreError('AccountExists') if the id is taken (a UUID collision: exceptional).
   */
  createAccount(
    accountId: string,
    identityKey: Uint8Array,
    firstDevice: NewDevice,
    now: number,
  ): Promise<void>;
  getAccount(accountId: string): Promise<AccountRecord | null>;

  /**
   * Sets or changes the username. Uniqueness is case-insensitive (on `normalizeUsername(name)`); the
   * account's previous name is released in the same transaction. Setting one's own name again is 'ok'.
   * Syntax validation is the caller's (wire's USERNAME_RE).
   */
  setUsername(accountId: string, username: string): Promise<'ok' | 'UsernameTaken' | 'AccountNotFound'>;
  /** Releases the account's username; false if it had none (or no such account). */
  clearUsername(accountId: string): Promise<boolean>;
  /** The account holding this name (case-insensitive), or null. */
  findAccountByUsername(username: string): Promise<string | null>;

  /**
   * Adds a device with the LOWEST free id in 1..maxDevices (ids of removed devices are reused; the
   * new device has a new registration id, so senders' stale sessions surface as StaleDevices).
   */
  addDevice(
    accountId: string,
    device: NewDevice,
    maxDevices: number,
    now: number,
  ): Promise<number | 'AccountNotFound' | 'TooManyDevices'>;
  getDevice(accountId: string, deviceId: number): Promise<DeviceRecord | null>;
  /** The account's devices ordered by deviceId; [] for an unknown account. */
  listDevices(accountId: string): Promise<DeviceRecord[]>;
  /** Replaces a device's secret hash (e.g. re-hash with new parameters); false if no such device. */
  setDeviceSecretHash(accountId: string, deviceId: number, secretHash: string): Promise<boolean>;
  /**
   * Removes the device and, in the same transaction, its keys, its queued envelopes and its queue
   * counter. Returns false if there was no such device. (Whether the last device may go is the caller's
   * rule; the account row stays.)
   */
  removeDevice(accountId: string, deviceId: number): Promise<boolean>;
  /**
   * Deletes the account and, in the same transaction, every device of it with their keys, queued
   * envelopes and queue counters; its username becomes free. Envelopes it sent that are still queued
   * for others stay (they are the recipients'). Returns false if there was no such account.
   */
  deleteAccount(accountId: string): Promise<boolean>;
}

export interface KeyStore {
  /**
   * Applies an upload in one transaction. Same-id one-time keys are replaced (idempotent retries);
   * if a kind would then exceed `limits.maxOneTimeKeys`, NOTHING is written ('KeyLimitExceeded').
   */
  putKeys(
    accountId: string,
    deviceId: number,
    upload: KeyUpload,
    limits: KeyUploadLimits,
  ): Promise<KeyUploadOutcome>;
  /** Counts for refills; all zero/null for an unknown device. */
  keyCounts(accountId: string, deviceId: number): Promise<KeyCounts>;
  /**
   * Atomically takes ONE one-time EC prekey (lowest id, if any) and ONE one-time Kyber prekey (lowest
   * id), falling back to the last-resort Kyber key. Each one-time key is handed out exactly once, also
   * under concurrent claims from several processes (SQLite: one `DELETE … RETURNING` per kind inside one
   * IMMEDIATE transaction; PostgreSQL: `DELETE … WHERE key_id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1)
   * RETURNING …`). Returns null — consuming nothing — if the device is unknown, has no signed prekey,
   * or has no Kyber key at all.
   */
  claimBundle(accountId: string, deviceId: number): Promise<ClaimedBundle | null>;
}

export interface MailboxStore {
  /**
   * Stores many envelopes (for many devices) in ONE transaction — a group commit — and resolves only
   * once it is committed and synced. One result per item, in input order. Per-device order is the
   * order of items in the array. Duplicate ids (also within the array) are absorbed as 'duplicate'.
   * An id acknowledged and deleted earlier is no longer known: a late retry is stored again (clients
   * dedupe by envelope id, as with any at-least-once delivery).
   */
  enqueueMany(items: readonly EnqueueItem[], options: EnqueueOptions): Promise<EnqueueResult[]>;
  /**
   * Up to `limit` queued envelopes of the device with seq > afterSeq, in seq order. With `now`, those
   * that expired (expiresAt <= now) are left out: the sweeper deletes them later.
   */
  fetch(
    accountId: string,
    deviceId: number,
    afterSeq: number,
    limit: number,
    now?: number,
  ): Promise<StoredEnvelope[]>;
  /** Deletes only this device's acknowledged envelopes; returns how many were deleted. */
  ack(accountId: string, deviceId: number, request: AckRequest): Promise<number>;
  /**
   * Several devices' acks in ONE transaction (the relay batches acks per tick, as it batches
   * enqueues), so many acks cost one commit. Same per-item semantics as ack(); one count per item, in
   * input order.
   */
  ackMany(items: readonly AckItem[]): Promise<number[]>;
  /** Envelopes currently queued for the device. */
  queuedCount(accountId: string, deviceId: number): Promise<number>;
  /** Deletes up to `limit` envelopes with expiresAt <= now (oldest expiry first); returns the count. */
  sweepExpired(now: number, limit: number): Promise<number>;
}

export interface AttachmentStore {
  /** Stores a blob with its metadata (durably, before resolving). */
  putAttachment(attachment: NewAttachment, limits: AttachmentLimits): Promise<AttachmentPutOutcome>;
  /** The blob, or null if unknown or expired at `now`. */
  getAttachment(attachmentId: string, now: number): Promise<Uint8Array | null>;
  /** Metadata, or null if unknown or expired at `now`. */
  getAttachmentMeta(attachmentId: string, now: number): Promise<AttachmentMeta | null>;
  deleteAttachment(attachmentId: string): Promise<boolean>;
  /** Deletes up to `limit` attachments with expiresAt <= now; returns the count. */
  sweepExpiredAttachments(now: number, limit: number): Promise<number>;
}

/** Every port of one adapter, plus its lifecycle. */
export interface RelayStores {
  readonly accounts: AccountStore;
  readonly keys: KeyStore;
  readonly mailbox: MailboxStore;
  readonly attachments: AttachmentStore;
  /** True if the database answers a trivial query (for /healthz). Never throws. */
  healthCheck(): Promise<boolean>;
  /**
   * Erases what deletes left behind in the adapter's files, where the engine allows it (SQLite: the
   * old page versions in the WAL); true when nothing is left to erase. The relay calls it after each
   * sweep. An adapter without such a step (PostgreSQL: VACUUM's business) leaves it out.
   */
  scrub?(): Promise<boolean>;
  /** Closes the database; later calls on any port reject with StoreError('Closed'). Idempotent. */
  close(): Promise<void>;
}
