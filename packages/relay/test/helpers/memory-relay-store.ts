/* eslint-disable @typescript-eslint/require-await -- an in-memory fake of an async port */
// An in-memory RelayStore for relay logic tests (the SQLite adapter is tested by R3's conformance
// suite and by the integration tests that run on it).
import type {
  AccountRecord,
  ClaimedKeys,
  DeviceRecord,
  EnqueueResultRow,
  EnvelopeToStore,
  KeyCounts,
  NewDevice,
  PreKeyRecord,
  RelayStore,
  SignedPreKeyRecord,
  StoredEnvelope,
} from '../../src/relay-store.js';

interface Dev extends DeviceRecord {
  signed: SignedPreKeyRecord | null;
  lastResort: SignedPreKeyRecord | null;
  pre: Map<number, PreKeyRecord>;
  kyber: Map<number, SignedPreKeyRecord>;
  lastSeq: number;
  queue: Map<number, StoredEnvelope & { expiresAt: number; idHex: string }>;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export class MemoryRelayStore implements RelayStore {
  accounts = new Map<string, AccountRecord & { devices: Map<number, Dev> }>();
  attachments = new Map<string, { bytes: Uint8Array; expiresAt: number }>();
  closed = false;
  constructor(private readonly queueCap = 50_000) {}

  private dev(a: string, d: number): Dev | undefined {
    return this.accounts.get(a)?.devices.get(d);
  }

  private newDev(deviceId: number, d: NewDevice): Dev {
    return {
      deviceId,
      ...d,
      signed: null,
      lastResort: null,
      pre: new Map(),
      kyber: new Map(),
      lastSeq: 0,
      queue: new Map(),
    };
  }

  async createAccount(accountId: string, identityKey: Uint8Array, device: NewDevice): Promise<void> {
    this.accounts.set(accountId, {
      accountId,
      identityKey,
      username: null,
      devices: new Map([[1, this.newDev(1, device)]]),
    });
  }

  async addDevice(accountId: string, device: NewDevice, maxDevices: number) {
    const a = this.accounts.get(accountId);
    if (!a) return 'AccountNotFound' as const;
    for (let id = 1; id <= maxDevices; id++) {
      if (!a.devices.has(id)) {
        a.devices.set(id, this.newDev(id, device));
        return id;
      }
    }
    return 'TooManyDevices' as const;
  }

  async removeDevice(accountId: string, deviceId: number) {
    return this.accounts.get(accountId)?.devices.delete(deviceId) ?? false;
  }

  async deleteAccount(accountId: string) {
    return this.accounts.delete(accountId);
  }

  async getAccount(accountId: string) {
    const a = this.accounts.get(accountId);
    return a ? { accountId, identityKey: a.identityKey, username: a.username } : null;
  }

  async listDevices(accountId: string) {
    return [...(this.accounts.get(accountId)?.devices.values() ?? [])].map((d) => ({
      deviceId: d.deviceId,
      registrationId: d.registrationId,
      secretHash: d.secretHash,
    }));
  }

  async getDevice(accountId: string, deviceId: number) {
    const d = this.dev(accountId, deviceId);
    return d ? { deviceId, registrationId: d.registrationId, secretHash: d.secretHash } : null;
  }

  async setUsername(accountId: string, u: string) {
    for (const a of this.accounts.values())
      if (a.username === u && a.accountId !== accountId) return 'taken' as const;
    const a = this.accounts.get(accountId);
    if (a) a.username = u;
    return 'ok' as const;
  }

  async clearUsername(accountId: string) {
    const a = this.accounts.get(accountId);
    if (a) a.username = null;
  }

  async findAccountByUsername(u: string) {
    for (const a of this.accounts.values()) if (a.username === u) return a.accountId;
    return null;
  }

  async putKeys(
    accountId: string,
    deviceId: number,
    keys: Parameters<RelayStore['putKeys']>[2],
    max: number,
  ): Promise<'ok' | 'KeyLimitExceeded'> {
    const d = this.dev(accountId, deviceId);
    if (!d) return 'ok';
    if (d.pre.size + (keys.preKeys?.length ?? 0) > max) return 'KeyLimitExceeded';
    if (d.kyber.size + (keys.kyberPreKeys?.length ?? 0) > max) return 'KeyLimitExceeded';
    if (keys.signedPreKey) d.signed = keys.signedPreKey;
    if (keys.kyberLastResort) d.lastResort = keys.kyberLastResort;
    for (const k of keys.preKeys ?? []) d.pre.set(k.keyId, k);
    for (const k of keys.kyberPreKeys ?? []) d.kyber.set(k.keyId, k);
    return 'ok';
  }

  async keyCounts(accountId: string, deviceId: number): Promise<KeyCounts> {
    const d = this.dev(accountId, deviceId);
    return {
      preKeys: d?.pre.size ?? 0,
      kyberPreKeys: d?.kyber.size ?? 0,
      signedPreKeyId: d?.signed?.keyId ?? null,
      kyberLastResortId: d?.lastResort?.keyId ?? null,
    };
  }

  async claimKeys(accountId: string, deviceId: number): Promise<ClaimedKeys | null> {
    const d = this.dev(accountId, deviceId);
    if (!d?.signed || !d.lastResort) return null;
    const preId = [...d.pre.keys()].sort((a, b) => a - b)[0];
    const pre = preId === undefined ? null : d.pre.get(preId)!;
    if (preId !== undefined) d.pre.delete(preId);
    const kId = [...d.kyber.keys()].sort((a, b) => a - b)[0];
    const kyber = kId === undefined ? null : d.kyber.get(kId)!;
    if (kId !== undefined) d.kyber.delete(kId);
    return {
      signedPreKey: d.signed,
      preKey: pre,
      kyberPreKey: kyber ? { ...kyber, lastResort: false } : { ...d.lastResort, lastResort: true },
    };
  }

  async enqueue(accountId: string, envs: EnvelopeToStore[]): Promise<EnqueueResultRow[]> {
    const cap = this.queueCap;
    await new Promise((r) => setImmediate(r));
    return envs.map((e) => {
      const d = this.dev(accountId, e.deviceId);
      if (!d) return { outcome: 'deviceNotFound', seq: null };
      const idHex = hex(e.envelopeId);
      for (const q of d.queue.values()) if (q.idHex === idHex) return { outcome: 'duplicate', seq: q.seq };
      if (d.queue.size >= cap) return { outcome: 'queueFull', seq: null };
      const seq = ++d.lastSeq;
      d.queue.set(seq, {
        seq,
        idHex,
        envelopeId: e.envelopeId,
        senderAccountId: e.senderAccountId,
        senderDeviceId: e.senderDeviceId,
        serverTimestamp: e.serverTimestamp,
        envelopeType: e.envelopeType,
        content: e.content,
        expiresAt: e.expiresAt,
      });
      return { outcome: 'stored', seq };
    });
  }

  async fetch(
    accountId: string,
    deviceId: number,
    afterSeq: number,
    limit: number,
    now: number,
  ): Promise<StoredEnvelope[]> {
    const d = this.dev(accountId, deviceId);
    if (!d) return [];
    return [...d.queue.values()]
      .filter((e) => e.seq > afterSeq && e.expiresAt > now)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map(({ expiresAt: _e, idHex: _i, ...rest }) => rest);
  }

  async flushAcks(): Promise<void> {}

  async ack(accountId: string, deviceId: number, upTo: number, seqs: number[]) {
    const d = this.dev(accountId, deviceId);
    if (!d) return 0;
    let n = 0;
    for (const s of [...d.queue.keys()]) if (s <= upTo || seqs.includes(s)) n += d.queue.delete(s) ? 1 : 0;
    return n;
  }

  async sweepExpired(now: number) {
    let n = 0;
    for (const a of this.accounts.values())
      for (const d of a.devices.values())
        for (const [s, e] of d.queue) if (e.expiresAt <= now) n += d.queue.delete(s) ? 1 : 0;
    return n;
  }

  async putAttachment(id: string, bytes: Uint8Array, _now: number, expiresAt: number, maxBytes: number) {
    if (bytes.length > maxBytes) return false;
    this.attachments.set(id, { bytes, expiresAt });
    return true;
  }

  async getAttachment(id: string, now: number) {
    const a = this.attachments.get(id);
    return a && a.expiresAt > now ? a.bytes : null;
  }

  async sweepAttachments(now: number) {
    let n = 0;
    for (const [id, a] of this.attachments) if (a.expiresAt <= now) n += this.attachments.delete(id) ? 1 : 0;
    return n;
  }

  async scrub() {
    return true;
  }

  async ping() {
    return !this.closed;
  }

  async close() {
    this.closed = true;
  }
}
