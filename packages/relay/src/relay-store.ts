// What the relay's logic needs from storage, in the relay's own terms. store-adapter.ts implements it
// on R3's ports (store/ports.ts); keeping this seam means route code never depends on a table layout.
export interface NewDevice {
  registrationId: number;
  secretHash: string;
}

export interface DeviceRecord {
  deviceId: number;
  registrationId: number;
  secretHash: string;
}

export interface AccountRecord {
  accountId: string;
  identityKey: Uint8Array;
  username: string | null;
}

export interface PreKeyRecord {
  keyId: number;
  publicKey: Uint8Array;
}

export interface SignedPreKeyRecord extends PreKeyRecord {
  signature: Uint8Array;
}

export interface KeyCounts {
  preKeys: number;
  kyberPreKeys: number;
  signedPreKeyId: number | null;
  kyberLastResortId: number | null;
}

/** One device's claimed bundle (one-time keys already removed from the pools). */
export interface ClaimedKeys {
  signedPreKey: SignedPreKeyRecord;
  preKey: PreKeyRecord | null;
  kyberPreKey: SignedPreKeyRecord & { lastResort: boolean };
}

export interface EnvelopeToStore {
  deviceId: number;
  envelopeId: Uint8Array;
  senderAccountId: string;
  senderDeviceId: number;
  serverTimestamp: number;
  expiresAt: number;
  envelopeType: number;
  content: Uint8Array;
}

export type EnqueueOutcome = 'stored' | 'duplicate' | 'queueFull' | 'deviceNotFound';

/** One envelope's fate; `seq` is set when it was stored (or already was: a duplicate). */
export interface EnqueueResultRow {
  outcome: EnqueueOutcome;
  seq: number | null;
}

export interface StoredEnvelope {
  seq: number;
  envelopeId: Uint8Array;
  senderAccountId: string;
  senderDeviceId: number;
  serverTimestamp: number;
  envelopeType: number;
  content: Uint8Array;
}

export interface RelayStore {
  // accounts
  createAccount(accountId: string, identityKey: Uint8Array, device: NewDevice, now: number): Promise<void>;
  addDevice(
    accountId: string,
    device: NewDevice,
    maxDevices: number,
    now: number,
  ): Promise<number | 'AccountNotFound' | 'TooManyDevices'>;
  removeDevice(accountId: string, deviceId: number): Promise<boolean>;
  /** The account with all its devices, keys and queued envelopes; false if unknown. */
  deleteAccount(accountId: string): Promise<boolean>;
  getAccount(accountId: string): Promise<AccountRecord | null>;
  listDevices(accountId: string): Promise<DeviceRecord[]>;
  getDevice(accountId: string, deviceId: number): Promise<DeviceRecord | null>;
  /** Sets (or replaces) the account's username; `taken` if another account holds it. */
  setUsername(accountId: string, usernameLower: string): Promise<'ok' | 'taken'>;
  clearUsername(accountId: string): Promise<void>;
  findAccountByUsername(usernameLower: string): Promise<string | null>;
  // keys
  putKeys(
    accountId: string,
    deviceId: number,
    keys: {
      signedPreKey?: SignedPreKeyRecord;
      preKeys?: PreKeyRecord[];
      kyberPreKeys?: SignedPreKeyRecord[];
      kyberLastResort?: SignedPreKeyRecord;
    },
    maxOneTimeKeys: number,
  ): Promise<'ok' | 'KeyLimitExceeded' | 'DeviceNotFound'>;
  keyCounts(accountId: string, deviceId: number): Promise<KeyCounts>;
  /** Claims a bundle (each one-time key exactly once); null without signed prekey or last-resort key. */
  claimKeys(accountId: string, deviceId: number): Promise<ClaimedKeys | null>;
  // mailbox
  /**
   * Durably stores (group commit) before resolving; one outcome per envelope, in order. The per-device
   * queue cap is the store's configuration.
   */
  enqueue(recipientAccountId: string, envelopes: EnvelopeToStore[]): Promise<EnqueueResultRow[]>;
  /** Unexpired envelopes (expiresAt > now) with seq > afterSeq, in seq order, at most `limit`. */
  fetch(
    accountId: string,
    deviceId: number,
    afterSeq: number,
    limit: number,
    now: number,
  ): Promise<StoredEnvelope[]>;
  /** Applied in a later group commit (resolves then); see flushAcks. */
  ack(accountId: string, deviceId: number, upTo: number, seqs: number[]): Promise<number>;
  /** Applies every ack received so far (a reconnecting device should not be sent what it acked). */
  flushAcks(): Promise<void>;
  sweepExpired(now: number): Promise<number>;
  // attachments
  putAttachment(
    id: string,
    bytes: Uint8Array,
    now: number,
    expiresAt: number,
    maxBytes: number,
  ): Promise<boolean>;
  getAttachment(id: string, now: number): Promise<Uint8Array | null>;
  sweepAttachments(now: number): Promise<number>;
  /** Erases deleted rows' leftovers from the store's files (see RelayStores.scrub); true when done. */
  scrub(): Promise<boolean>;
  // lifecycle
  ping(): Promise<boolean>;
  /** Drains pending writes, then closes. */
  close(): Promise<void>;
}
