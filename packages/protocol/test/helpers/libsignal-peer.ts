/**
 * A libsignal-client 0.103.0 peer for interop tests and the benchmark: its own identity, prekeys
 * and in-memory stores that keep SERIALISED records (as a database-backed store must).
 */
import * as SignalClient from '@signalapp/libsignal-client';

type Addr = SignalClient.ProtocolAddress;

export class LsSessionStore extends SignalClient.SessionStore {
  private readonly sessions = new Map<string, Uint8Array<ArrayBuffer>>();
  saveSession(name: Addr, record: SignalClient.SessionRecord): Promise<void> {
    this.sessions.set(name.toString(), record.serialize());
    return Promise.resolve();
  }
  getSession(name: Addr): Promise<SignalClient.SessionRecord | null> {
    const bytes = this.sessions.get(name.toString());
    return Promise.resolve(bytes === undefined ? null : SignalClient.SessionRecord.deserialize(bytes));
  }
  getExistingSessions(addresses: Addr[]): Promise<SignalClient.SessionRecord[]> {
    return Promise.all(addresses.map(async (a) => (await this.getSession(a))!));
  }
}

export class LsIdentityStore extends SignalClient.IdentityKeyStore {
  private readonly identities = new Map<string, Uint8Array<ArrayBuffer>>();
  constructor(
    readonly identity: SignalClient.IdentityKeyPair,
    readonly registrationId: number,
  ) {
    super();
  }
  getIdentityKey(): Promise<SignalClient.PrivateKey> {
    return Promise.resolve(this.identity.privateKey);
  }
  getLocalRegistrationId(): Promise<number> {
    return Promise.resolve(this.registrationId);
  }
  saveIdentity(name: Addr, key: SignalClient.PublicKey): Promise<SignalClient.IdentityChange> {
    const prev = this.identities.get(name.toString());
    const next = key.serialize();
    this.identities.set(name.toString(), next);
    const replaced = prev !== undefined && Buffer.compare(prev, next) !== 0;
    return Promise.resolve(
      replaced ? SignalClient.IdentityChange.ReplacedExisting : SignalClient.IdentityChange.NewOrUnchanged,
    );
  }
  isTrustedIdentity(name: Addr, key: SignalClient.PublicKey): Promise<boolean> {
    const prev = this.identities.get(name.toString());
    return Promise.resolve(prev === undefined || Buffer.compare(prev, key.serialize()) === 0);
  }
  getIdentity(name: Addr): Promise<SignalClient.PublicKey | null> {
    const prev = this.identities.get(name.toString());
    return Promise.resolve(prev === undefined ? null : SignalClient.PublicKey.deserialize(prev));
  }
}

export class LsPreKeyStore extends SignalClient.PreKeyStore {
  readonly keys = new Map<number, Uint8Array<ArrayBuffer>>();
  savePreKey(id: number, record: SignalClient.PreKeyRecord): Promise<void> {
    this.keys.set(id, record.serialize());
    return Promise.resolve();
  }
  getPreKey(id: number): Promise<SignalClient.PreKeyRecord> {
    const b = this.keys.get(id);
    if (!b) return Promise.reject(new Error(`no prekey ${id}`));
    return Promise.resolve(SignalClient.PreKeyRecord.deserialize(b));
  }
  removePreKey(id: number): Promise<void> {
    this.keys.delete(id);
    return Promise.resolve();
  }
}

export class LsSignedPreKeyStore extends SignalClient.SignedPreKeyStore {
  readonly keys = new Map<number, Uint8Array<ArrayBuffer>>();
  saveSignedPreKey(id: number, record: SignalClient.SignedPreKeyRecord): Promise<void> {
    this.keys.set(id, record.serialize());
    return Promise.resolve();
  }
  getSignedPreKey(id: number): Promise<SignalClient.SignedPreKeyRecord> {
    const b = this.keys.get(id);
    if (!b) return Promise.reject(new Error(`no signed prekey ${id}`));
    return Promise.resolve(SignalClient.SignedPreKeyRecord.deserialize(b));
  }
}

export class LsKyberPreKeyStore extends SignalClient.KyberPreKeyStore {
  readonly keys = new Map<number, Uint8Array<ArrayBuffer>>();
  readonly used: { id: number; signedPreKeyId: number }[] = [];
  saveKyberPreKey(id: number, record: SignalClient.KyberPreKeyRecord): Promise<void> {
    this.keys.set(id, record.serialize());
    return Promise.resolve();
  }
  getKyberPreKey(id: number): Promise<SignalClient.KyberPreKeyRecord> {
    const b = this.keys.get(id);
    if (!b) return Promise.reject(new Error(`no kyber prekey ${id}`));
    return Promise.resolve(SignalClient.KyberPreKeyRecord.deserialize(b));
  }
  markKyberPreKeyUsed(id: number, signedPreKeyId: number): Promise<void> {
    this.used.push({ id, signedPreKeyId });
    return Promise.resolve();
  }
}

/** One libsignal device with a full set of stores and freshly generated prekeys. */
export class LibsignalPeer {
  readonly identity = SignalClient.IdentityKeyPair.generate();
  readonly sessions = new LsSessionStore();
  readonly identities: LsIdentityStore;
  readonly preKeys = new LsPreKeyStore();
  readonly signedPreKeys = new LsSignedPreKeyStore();
  readonly kyberPreKeys = new LsKyberPreKeyStore();
  readonly address: Addr;
  private nextId = 1;

  constructor(
    name: string,
    deviceId = 1,
    readonly registrationId = 1 + Math.floor(Math.random() * 16000),
  ) {
    this.identities = new LsIdentityStore(this.identity, registrationId);
    this.address = SignalClient.ProtocolAddress.new(name, deviceId);
  }

  /** Generates and stores prekeys, returning a libsignal bundle and its raw parts. */
  async makeBundle(withOneTime: boolean) {
    const id = this.nextId++;
    const spk = SignalClient.PrivateKey.generate();
    const spkSig = this.identity.privateKey.sign(spk.getPublicKey().serialize());
    await this.signedPreKeys.saveSignedPreKey(
      id,
      SignalClient.SignedPreKeyRecord.new(id, Date.now(), spk.getPublicKey(), spk, spkSig),
    );
    const kyber = SignalClient.KEMKeyPair.generate();
    const kyberSig = this.identity.privateKey.sign(kyber.getPublicKey().serialize());
    await this.kyberPreKeys.saveKyberPreKey(
      id,
      SignalClient.KyberPreKeyRecord.new(id, Date.now(), kyber, kyberSig),
    );
    let pre: SignalClient.PrivateKey | null = null;
    if (withOneTime) {
      pre = SignalClient.PrivateKey.generate();
      await this.preKeys.savePreKey(id, SignalClient.PreKeyRecord.new(id, pre.getPublicKey(), pre));
    }
    const bundle = SignalClient.PreKeyBundle.new(
      this.registrationId,
      this.address.deviceId(),
      pre ? id : null,
      pre ? pre.getPublicKey() : null,
      id,
      spk.getPublicKey(),
      spkSig,
      this.identity.publicKey,
      id,
      kyber.getPublicKey(),
      kyberSig,
    );
    return {
      bundle,
      raw: {
        registrationId: this.registrationId,
        deviceId: this.address.deviceId(),
        preKeyId: pre ? id : undefined,
        preKey: pre ? pre.getPublicKey().serialize() : undefined,
        signedPreKeyId: id,
        signedPreKey: spk.getPublicKey().serialize(),
        signedPreKeySignature: spkSig,
        identityKey: this.identity.publicKey.serialize(),
        kyberPreKeyId: id,
        kyberPreKey: kyber.getPublicKey().serialize(),
        kyberPreKeySignature: kyberSig,
      },
    };
  }

  processBundle(bundle: SignalClient.PreKeyBundle, remote: Addr): Promise<void> {
    return SignalClient.processPreKeyBundle(bundle, remote, this.address, this.sessions, this.identities);
  }

  async encrypt(plaintext: Uint8Array, remote: Addr): Promise<{ type: number; body: Uint8Array }> {
    const m = await SignalClient.signalEncrypt(
      plaintext as Uint8Array<ArrayBuffer>,
      remote,
      this.address,
      this.sessions,
      this.identities,
    );
    return { type: m.type(), body: m.serialize() };
  }

  decrypt(type: number, body: Uint8Array, remote: Addr): Promise<Uint8Array> {
    const b = body as Uint8Array<ArrayBuffer>;
    if (type === 3) {
      return SignalClient.signalDecryptPreKey(
        SignalClient.PreKeySignalMessage.deserialize(b),
        remote,
        this.address,
        this.sessions,
        this.identities,
        this.preKeys,
        this.signedPreKeys,
        this.kyberPreKeys,
      );
    }
    return SignalClient.signalDecrypt(
      SignalClient.SignalMessage.deserialize(b),
      remote,
      this.address,
      this.sessions,
      this.identities,
    );
  }
}
