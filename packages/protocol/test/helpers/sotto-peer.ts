/** A Sotto device for tests and the benchmark: identity, prekeys and in-memory stores. */
import * as SignalClient from '@signalapp/libsignal-client';
import type { CryptoProvider } from '../../src/crypto-provider.js';
import { calculateSignature } from '../../src/curve.js';
import { KEMKeyPair, KemKeyType } from '../../src/kyber.js';
import { generateRawKeyPair } from '../../src/dh.js';
import {
  InMemoryIdentityKeyStore,
  InMemoryKyberPreKeyStore,
  InMemoryPreKeyStore,
  InMemorySessionStore,
  InMemorySignedPreKeyStore,
} from '../../src/memory-stores.js';
import { PreKeyBundle } from '../../src/prekey-bundle.js';
import { KyberPreKeyRecord, PreKeyRecord, SignedPreKeyRecord } from '../../src/prekey-records.js';
import { PreKeySignalMessage } from '../../src/prekey-signal-message.js';
import { ProtocolAddress } from '../../src/protocol-address.js';
import { processPreKeyBundle } from '../../src/session-builder.js';
import { signalDecrypt, signalDecryptPreKey, signalEncrypt } from '../../src/session-cipher.js';
import { defaultCrypto } from '../../src/default-crypto.js';
import { SignalMessage } from '../../src/signal-message.js';
import type { IdentityKeyPair } from '../../src/stores.js';

function kemKeyPair(crypto: CryptoProvider): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const kp = KEMKeyPair.generate(KemKeyType.Kyber1024, crypto);
  return { publicKey: kp.getPublicKey().serialize(), secretKey: kp.getSecretKey().serialize() };
}

export interface RawBundle {
  registrationId: number;
  deviceId: number;
  preKeyId: number | undefined;
  preKey: Uint8Array | undefined;
  signedPreKeyId: number;
  signedPreKey: Uint8Array;
  signedPreKeySignature: Uint8Array;
  identityKey: Uint8Array;
  kyberPreKeyId: number;
  kyberPreKey: Uint8Array;
  kyberPreKeySignature: Uint8Array;
}

export class SottoPeer {
  readonly identity: IdentityKeyPair;
  readonly sessions = new InMemorySessionStore();
  readonly identities: InMemoryIdentityKeyStore;
  readonly preKeys = new InMemoryPreKeyStore();
  readonly signedPreKeys = new InMemorySignedPreKeyStore();
  readonly kyberPreKeys = new InMemoryKyberPreKeyStore();
  readonly address: ProtocolAddress;
  private nextId = 1;

  constructor(
    name: string,
    deviceId = 1,
    readonly crypto: CryptoProvider = defaultCrypto(),
    readonly registrationId = 1 + Math.floor(Math.random() * 16000),
  ) {
    this.identity = generateRawKeyPair(crypto);
    this.identities = new InMemoryIdentityKeyStore(this.identity, registrationId);
    this.address = ProtocolAddress.new(name, deviceId);
  }

  async makeBundle(withOneTime: boolean, opts: { lastResortKyber?: boolean } = {}): Promise<RawBundle> {
    const id = this.nextId++;
    const spk = generateRawKeyPair(this.crypto);
    const spkSig = calculateSignature(this.identity.privateKey, spk.publicKey, this.crypto);
    await this.signedPreKeys.saveSignedPreKey(
      id,
      SignedPreKeyRecord.new(id, Date.now(), spk.publicKey, spk.privateKey, spkSig),
    );
    const kem = kemKeyPair(this.crypto);
    const kemSig = calculateSignature(this.identity.privateKey, kem.publicKey, this.crypto);
    await this.kyberPreKeys.saveKyberPreKey(
      id,
      KyberPreKeyRecord.new(id, Date.now(), kem.publicKey, kem.secretKey, kemSig),
      {
        lastResort: opts.lastResortKyber ?? false,
      },
    );
    let pre: { publicKey: Uint8Array; privateKey: Uint8Array } | undefined;
    if (withOneTime) {
      pre = generateRawKeyPair(this.crypto);
      await this.preKeys.savePreKey(id, PreKeyRecord.new(id, pre.publicKey, pre.privateKey));
    }
    return {
      registrationId: this.registrationId,
      deviceId: this.address.deviceId,
      preKeyId: pre ? id : undefined,
      preKey: pre?.publicKey,
      signedPreKeyId: id,
      signedPreKey: spk.publicKey,
      signedPreKeySignature: spkSig,
      identityKey: this.identity.publicKey,
      kyberPreKeyId: id,
      kyberPreKey: kem.publicKey,
      kyberPreKeySignature: kemSig,
    };
  }

  processBundle(raw: RawBundle, remote: ProtocolAddress, now?: Date | number): Promise<void> {
    return processPreKeyBundle(
      PreKeyBundle.new(raw),
      remote,
      this.address,
      this.sessions,
      this.identities,
      now,
      this.crypto,
    );
  }

  async encrypt(
    plaintext: Uint8Array,
    remote: ProtocolAddress,
    now?: Date | number,
  ): Promise<{ type: number; body: Uint8Array }> {
    const m = await signalEncrypt(
      plaintext,
      remote,
      this.address,
      this.sessions,
      this.identities,
      now,
      this.crypto,
    );
    return { type: m.type, body: m.serialize() };
  }

  decrypt(type: number, body: Uint8Array, remote: ProtocolAddress): Promise<Uint8Array> {
    if (type === 3) {
      return signalDecryptPreKey(
        PreKeySignalMessage.deserialize(body),
        remote,
        this.address,
        this.sessions,
        this.identities,
        this.preKeys,
        this.signedPreKeys,
        this.kyberPreKeys,
        this.crypto,
      );
    }
    return signalDecrypt(
      SignalMessage.deserialize(body),
      remote,
      this.address,
      this.sessions,
      this.identities,
      this.crypto,
    );
  }
}

/** libsignal bundle → Sotto's raw bundle shape. */
export function rawBundleFromLibsignal(raw: {
  registrationId: number;
  deviceId: number;
  preKeyId: number | undefined;
  preKey: Uint8Array | undefined;
  signedPreKeyId: number;
  signedPreKey: Uint8Array;
  signedPreKeySignature: Uint8Array;
  identityKey: Uint8Array;
  kyberPreKeyId: number;
  kyberPreKey: Uint8Array;
  kyberPreKeySignature: Uint8Array;
}): RawBundle {
  return raw;
}

/** Sotto's raw bundle → a libsignal PreKeyBundle. */
export function libsignalBundle(raw: RawBundle): SignalClient.PreKeyBundle {
  const u = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;
  return SignalClient.PreKeyBundle.new(
    raw.registrationId,
    raw.deviceId,
    raw.preKeyId ?? null,
    raw.preKey ? SignalClient.PublicKey.deserialize(u(raw.preKey)) : null,
    raw.signedPreKeyId,
    SignalClient.PublicKey.deserialize(u(raw.signedPreKey)),
    u(raw.signedPreKeySignature),
    SignalClient.PublicKey.deserialize(u(raw.identityKey)),
    raw.kyberPreKeyId,
    SignalClient.KEMPublicKey.deserialize(u(raw.kyberPreKey)),
    u(raw.kyberPreKeySignature),
  );
}

/** Alice and Bob with a session both ways: one message each, so both have ratcheted once. */
export async function establishedPeers(): Promise<{ a: SottoPeer; b: SottoPeer }> {
  const te = new TextEncoder();
  const a = new SottoPeer('alice', 1);
  const b = new SottoPeer('bob', 1);
  await a.processBundle(await b.makeBundle(true), b.address);
  const m = await a.encrypt(te.encode('hi'), b.address);
  await b.decrypt(m.type, m.body, a.address);
  const r = await b.encrypt(te.encode('hey'), a.address);
  await a.decrypt(r.type, r.body, b.address);
  return { a, b };
}
