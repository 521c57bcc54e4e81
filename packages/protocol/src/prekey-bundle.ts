/**
 * A prekey bundle as fetched from the server (libsignal `state/bundle.rs`). Construction checks
 * shapes; the signatures are checked by `processPreKeyBundle` against the identity key.
 */
import { ProtocolError } from './errors.js';
import { checkPublicKeyBytes } from './signal-message.js';
import { SIGNATURE_LENGTH, checkKemPublicKeyBytes } from './prekey-records.js';

export interface PreKeyBundleFields {
  registrationId: number;
  deviceId: number;
  preKeyId?: number | undefined;
  /** 33-byte one-time prekey, present iff preKeyId is. */
  preKey?: Uint8Array | undefined;
  signedPreKeyId: number;
  signedPreKey: Uint8Array;
  signedPreKeySignature: Uint8Array;
  identityKey: Uint8Array;
  kyberPreKeyId: number;
  /** 1569-byte KEM public key (0x08 Kyber1024). */
  kyberPreKey: Uint8Array;
  kyberPreKeySignature: Uint8Array;
}

function u32(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new ProtocolError('InvalidArgument', `${what} must be a uint32`);
  }
  return v;
}

function sig(v: Uint8Array, what: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== SIGNATURE_LENGTH) {
    throw new ProtocolError('InvalidSignature', `${what} must be 64 bytes`);
  }
  return v;
}

export class PreKeyBundle implements PreKeyBundleFields {
  readonly registrationId: number;
  readonly deviceId: number;
  readonly preKeyId: number | undefined;
  readonly preKey: Uint8Array | undefined;
  readonly signedPreKeyId: number;
  readonly signedPreKey: Uint8Array;
  readonly signedPreKeySignature: Uint8Array;
  readonly identityKey: Uint8Array;
  readonly kyberPreKeyId: number;
  readonly kyberPreKey: Uint8Array;
  readonly kyberPreKeySignature: Uint8Array;

  private constructor(f: PreKeyBundleFields) {
    this.registrationId = u32(f.registrationId, 'registrationId');
    this.deviceId = u32(f.deviceId, 'deviceId');
    if ((f.preKeyId === undefined) !== (f.preKey === undefined)) {
      throw new ProtocolError('InvalidArgument', 'preKeyId and preKey must be given together');
    }
    this.preKeyId = f.preKeyId === undefined ? undefined : u32(f.preKeyId, 'preKeyId');
    this.preKey = f.preKey === undefined ? undefined : checkPublicKeyBytes(f.preKey, 'bundle prekey');
    this.signedPreKeyId = u32(f.signedPreKeyId, 'signedPreKeyId');
    this.signedPreKey = checkPublicKeyBytes(f.signedPreKey, 'bundle signed prekey');
    this.signedPreKeySignature = sig(f.signedPreKeySignature, 'signed prekey signature');
    this.identityKey = checkPublicKeyBytes(f.identityKey, 'bundle identity key');
    this.kyberPreKeyId = u32(f.kyberPreKeyId, 'kyberPreKeyId');
    this.kyberPreKey = checkKemPublicKeyBytes(f.kyberPreKey);
    this.kyberPreKeySignature = sig(f.kyberPreKeySignature, 'kyber prekey signature');
  }

  static new(fields: PreKeyBundleFields): PreKeyBundle {
    return new PreKeyBundle(fields);
  }
}
