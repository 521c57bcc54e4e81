/**
 * Prekey records kept by the receiving side: one-time EC prekeys, signed prekeys and Kyber prekeys
 * (one-time or last-resort). Serialised byte-identically to libsignal's `storage.proto`
 * structures (proto3: zero values omitted), so records can move between the two implementations:
 * PreKeyRecordStructure {1 id, 2 public_key, 3 private_key};
 * SignedPreKeyRecordStructure {1 id, 2 public_key, 3 private_key, 4 signature, 5 fixed64 timestamp}
 * (also used for Kyber prekeys, with KEM keys carrying their 0x08 type byte).
 */
import { ProtocolError } from './errors.js';
import { ProtoReader, ProtoWriter, SeenFields } from './protobuf.js';
import { checkPublicKeyBytes } from './signal-message.js';
import { KEM_TYPE_KYBER1024, KEM_TYPE_MLKEM1024 } from './prekey-signal-message.js';

export const KEM_PUBLIC_KEY_LENGTH = 1569;
/** Kyber1024 / ML-KEM-1024 decapsulation key (3168 bytes) plus the type byte. */
export const KEM_SECRET_KEY_LENGTH = 3169;
export const SIGNATURE_LENGTH = 64;

function invalid(what: string): never {
  throw new ProtocolError('InvalidArgument', `invalid ${what}`);
}

function checkId(id: number, what: string): number {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) invalid(`${what} id`);
  return id;
}

function checkPrivate(k: Uint8Array): Uint8Array {
  if (!(k instanceof Uint8Array) || k.length !== 32) invalid('private key (expected 32 bytes)');
  return k;
}

export function checkKemPublicKeyBytes(k: Uint8Array): Uint8Array {
  if (
    !(k instanceof Uint8Array) ||
    k.length !== KEM_PUBLIC_KEY_LENGTH ||
    (k[0] !== KEM_TYPE_KYBER1024 && k[0] !== KEM_TYPE_MLKEM1024)
  ) {
    throw new ProtocolError('InvalidKey', 'invalid KEM public key');
  }
  return k;
}

function checkKemSecret(k: Uint8Array): Uint8Array {
  if (
    !(k instanceof Uint8Array) ||
    k.length !== KEM_SECRET_KEY_LENGTH ||
    (k[0] !== KEM_TYPE_KYBER1024 && k[0] !== KEM_TYPE_MLKEM1024)
  ) {
    throw new ProtocolError('InvalidKey', 'invalid KEM secret key');
  }
  return k;
}

function checkSignature(s: Uint8Array): Uint8Array {
  if (!(s instanceof Uint8Array) || s.length !== SIGNATURE_LENGTH) invalid('signature (expected 64 bytes)');
  return s;
}

function checkTimestamp(t: number): number {
  if (!Number.isSafeInteger(t) || t < 0) invalid('timestamp');
  return t;
}

interface Decoded {
  id: number;
  publicKey: Uint8Array;
  privateKey: Uint8Array;
  signature: Uint8Array;
  timestamp: number;
}

function decodeStructure(bytes: Uint8Array, what: string, signed: boolean): Decoded {
  const r = new ProtoReader(bytes, what);
  const seen = new SeenFields(what);
  const out: Decoded = {
    id: 0,
    publicKey: new Uint8Array(0),
    privateKey: new Uint8Array(0),
    signature: new Uint8Array(0),
    timestamp: 0,
  };
  while (r.next()) {
    if (r.field <= (signed ? 5 : 3)) seen.mark(r.field);
    switch (r.field) {
      case 1:
        out.id = r.uint32();
        break;
      case 2:
        out.publicKey = r.bytes().slice();
        break;
      case 3:
        out.privateKey = r.bytes().slice();
        break;
      case 4:
        if (!signed) r.skip();
        else out.signature = r.bytes().slice();
        break;
      case 5: {
        if (!signed) {
          r.skip();
          break;
        }
        const t = r.fixed64();
        if (t > BigInt(Number.MAX_SAFE_INTEGER))
          throw new ProtocolError('InvalidMessage', `${what}: bad timestamp`);
        out.timestamp = Number(t);
        break;
      }
      default:
        r.skip();
    }
  }
  return out;
}

function encodeStructure(d: Decoded, signed: boolean): Uint8Array {
  const w = new ProtoWriter(64 + d.publicKey.length + d.privateKey.length);
  if (d.id !== 0) w.uint32(1, d.id);
  if (d.publicKey.length) w.bytes(2, d.publicKey);
  if (d.privateKey.length) w.bytes(3, d.privateKey);
  if (signed) {
    if (d.signature.length) w.bytes(4, d.signature);
    if (d.timestamp !== 0) w.fixed64(5, BigInt(d.timestamp));
  }
  return w.finish();
}

/** Wraps any decode failure of stored bytes as InvalidMessage (typed, no key material). */
function strictly<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ProtocolError)
      throw new ProtocolError('InvalidMessage', `invalid ${what}: ${e.message}`);
    throw e;
  }
}

/** A one-time Curve25519 prekey. */
export class PreKeyRecord {
  private constructor(
    readonly id: number,
    /** 33-byte serialised public key. */
    readonly publicKey: Uint8Array,
    readonly privateKey: Uint8Array,
  ) {}

  static new(id: number, publicKey: Uint8Array, privateKey: Uint8Array): PreKeyRecord {
    return new PreKeyRecord(
      checkId(id, 'prekey'),
      checkPublicKeyBytes(publicKey, 'prekey'),
      checkPrivate(privateKey),
    );
  }

  static deserialize(bytes: Uint8Array): PreKeyRecord {
    return strictly('PreKeyRecord', () => {
      const d = decodeStructure(bytes, 'PreKeyRecord', false);
      return PreKeyRecord.new(d.id, d.publicKey, d.privateKey);
    });
  }

  serialize(): Uint8Array {
    return encodeStructure(
      {
        id: this.id,
        publicKey: this.publicKey,
        privateKey: this.privateKey,
        signature: new Uint8Array(0),
        timestamp: 0,
      },
      false,
    );
  }
}

/** A signed Curve25519 prekey (its signature covers the 33-byte public key). */
export class SignedPreKeyRecord {
  private constructor(
    readonly id: number,
    readonly timestamp: number,
    readonly publicKey: Uint8Array,
    readonly privateKey: Uint8Array,
    readonly signature: Uint8Array,
  ) {}

  static new(
    id: number,
    timestamp: number,
    publicKey: Uint8Array,
    privateKey: Uint8Array,
    signature: Uint8Array,
  ): SignedPreKeyRecord {
    return new SignedPreKeyRecord(
      checkId(id, 'signed prekey'),
      checkTimestamp(timestamp),
      checkPublicKeyBytes(publicKey, 'signed prekey'),
      checkPrivate(privateKey),
      checkSignature(signature),
    );
  }

  static deserialize(bytes: Uint8Array): SignedPreKeyRecord {
    return strictly('SignedPreKeyRecord', () => {
      const d = decodeStructure(bytes, 'SignedPreKeyRecord', true);
      return SignedPreKeyRecord.new(d.id, d.timestamp, d.publicKey, d.privateKey, d.signature);
    });
  }

  serialize(): Uint8Array {
    return encodeStructure(this, true);
  }
}

/** A signed Kyber1024 prekey (one-time or last-resort); the signature covers the 1569-byte key. */
export class KyberPreKeyRecord {
  private constructor(
    readonly id: number,
    readonly timestamp: number,
    readonly publicKey: Uint8Array,
    readonly secretKey: Uint8Array,
    readonly signature: Uint8Array,
  ) {}

  static new(
    id: number,
    timestamp: number,
    publicKey: Uint8Array,
    secretKey: Uint8Array,
    signature: Uint8Array,
  ): KyberPreKeyRecord {
    return new KyberPreKeyRecord(
      checkId(id, 'kyber prekey'),
      checkTimestamp(timestamp),
      checkKemPublicKeyBytes(publicKey),
      checkKemSecret(secretKey),
      checkSignature(signature),
    );
  }

  static deserialize(bytes: Uint8Array): KyberPreKeyRecord {
    return strictly('KyberPreKeyRecord', () => {
      const d = decodeStructure(bytes, 'KyberPreKeyRecord', true);
      return KyberPreKeyRecord.new(d.id, d.timestamp, d.publicKey, d.privateKey, d.signature);
    });
  }

  serialize(): Uint8Array {
    return encodeStructure(
      {
        id: this.id,
        publicKey: this.publicKey,
        privateKey: this.secretKey,
        signature: this.signature,
        timestamp: this.timestamp,
      },
      true,
    );
  }
}
