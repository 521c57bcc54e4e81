/**
 * `PreKeySignalMessage` (ciphertext message type 3): `version || protobuf`, no outer MAC; the
 * inner `SignalMessage` carries the MAC. Fields (libsignal `proto/wire.proto`): 1 pre_key_id,
 * 2 base_key, 3 identity_key, 4 message, 5 registration_id, 6 signed_pre_key_id,
 * 7 kyber_pre_key_id, 8 kyber_ciphertext. Written in tag order, as prost does.
 *
 * Version 3 (X3DH, no Kyber) prekey messages parse in libsignal but are refused when processed
 * ("X3DH no longer supported"); we refuse them at decode with `UnsupportedVersion`.
 */
import { ProtocolError } from './errors.js';
import { ProtoReader, ProtoWriter, SeenFields } from './protobuf.js';
import {
  CIPHERTEXT_MESSAGE_CURRENT_VERSION,
  CIPHERTEXT_MESSAGE_PRE_KYBER_VERSION,
  CiphertextMessageType,
  SignalMessage,
  checkMessageVersion,
  checkPublicKeyBytes,
} from './signal-message.js';

/** Serialised KEM ciphertext: type byte (0x08 Kyber1024, 0x0A ML-KEM-1024) + 1568 bytes. */
export const KEM_CIPHERTEXT_LENGTH = 1569;
export const KEM_TYPE_KYBER1024 = 0x08;
export const KEM_TYPE_MLKEM1024 = 0x0a;

export function checkKemCiphertextBytes(ct: Uint8Array): Uint8Array {
  if (ct.length !== KEM_CIPHERTEXT_LENGTH || (ct[0] !== KEM_TYPE_KYBER1024 && ct[0] !== KEM_TYPE_MLKEM1024)) {
    throw new ProtocolError('InvalidMessage', 'invalid KEM ciphertext');
  }
  return ct;
}

export interface PreKeySignalMessageParts {
  registrationId: number;
  preKeyId: number | undefined;
  signedPreKeyId: number;
  kyberPreKeyId: number;
  kyberCiphertext: Uint8Array;
  baseKey: Uint8Array;
  identityKey: Uint8Array;
  message: SignalMessage;
}

export class PreKeySignalMessage implements PreKeySignalMessageParts {
  readonly type = CiphertextMessageType.PreKey;

  private constructor(
    readonly messageVersion: number,
    readonly registrationId: number,
    readonly preKeyId: number | undefined,
    readonly signedPreKeyId: number,
    readonly kyberPreKeyId: number,
    readonly kyberCiphertext: Uint8Array,
    readonly baseKey: Uint8Array,
    readonly identityKey: Uint8Array,
    readonly message: SignalMessage,
    readonly serialized: Uint8Array,
  ) {}

  static create(parts: PreKeySignalMessageParts): PreKeySignalMessage {
    checkPublicKeyBytes(parts.baseKey, 'base key');
    checkPublicKeyBytes(parts.identityKey, 'identity key');
    checkKemCiphertextBytes(parts.kyberCiphertext);
    const inner = parts.message.serialize();
    const w = new ProtoWriter(128 + inner.length + parts.kyberCiphertext.length);
    w.raw(Uint8Array.of((CIPHERTEXT_MESSAGE_CURRENT_VERSION << 4) | CIPHERTEXT_MESSAGE_CURRENT_VERSION));
    if (parts.preKeyId !== undefined) w.uint32(1, parts.preKeyId);
    w.bytes(2, parts.baseKey);
    w.bytes(3, parts.identityKey);
    w.bytes(4, inner);
    w.uint32(5, parts.registrationId);
    w.uint32(6, parts.signedPreKeyId);
    w.uint32(7, parts.kyberPreKeyId);
    w.bytes(8, parts.kyberCiphertext);
    return new PreKeySignalMessage(
      CIPHERTEXT_MESSAGE_CURRENT_VERSION,
      parts.registrationId,
      parts.preKeyId,
      parts.signedPreKeyId,
      parts.kyberPreKeyId,
      parts.kyberCiphertext,
      parts.baseKey,
      parts.identityKey,
      parts.message,
      w.finish(),
    );
  }

  static deserialize(bytes: Uint8Array): PreKeySignalMessage {
    if (!(bytes instanceof Uint8Array)) throw new ProtocolError('InvalidArgument', 'expected bytes');
    if (bytes.length === 0) throw new ProtocolError('InvalidMessage', 'PreKeySignalMessage is empty');
    const version = checkMessageVersion(bytes[0]!);
    if (version === CIPHERTEXT_MESSAGE_PRE_KYBER_VERSION) {
      throw new ProtocolError(
        'UnsupportedVersion',
        'X3DH (version 3) prekey messages are no longer supported',
      );
    }
    const serialized = bytes.slice();
    const r = new ProtoReader(serialized.subarray(1), 'PreKeySignalMessage');
    const seen = new SeenFields('PreKeySignalMessage');
    let preKeyId: number | undefined;
    let baseKey: Uint8Array | undefined;
    let identityKey: Uint8Array | undefined;
    let inner: Uint8Array | undefined;
    let registrationId = 0;
    let signedPreKeyId: number | undefined;
    let kyberPreKeyId: number | undefined;
    let kyberCiphertext: Uint8Array | undefined;
    while (r.next()) {
      const f = r.field;
      if (f >= 1 && f <= 8) seen.mark(f);
      switch (f) {
        case 1:
          preKeyId = r.uint32();
          break;
        case 2:
          baseKey = checkPublicKeyBytes(r.bytes(), 'PreKeySignalMessage base key');
          break;
        case 3:
          identityKey = checkPublicKeyBytes(r.bytes(), 'PreKeySignalMessage identity key');
          break;
        case 4:
          inner = r.bytes();
          break;
        case 5:
          registrationId = r.uint32();
          break;
        case 6:
          signedPreKeyId = r.uint32();
          break;
        case 7:
          kyberPreKeyId = r.uint32();
          break;
        case 8:
          kyberCiphertext = checkKemCiphertextBytes(r.bytes());
          break;
        default:
          r.skip();
      }
    }
    if (
      baseKey === undefined ||
      identityKey === undefined ||
      inner === undefined ||
      signedPreKeyId === undefined
    ) {
      throw new ProtocolError('InvalidMessage', 'PreKeySignalMessage is missing a required field');
    }
    if (kyberPreKeyId === undefined || kyberCiphertext === undefined) {
      throw new ProtocolError('InvalidMessage', 'Kyber pre key must be present for this session version');
    }
    const message = SignalMessage.deserialize(inner);
    return new PreKeySignalMessage(
      version,
      registrationId,
      preKeyId,
      signedPreKeyId,
      kyberPreKeyId,
      kyberCiphertext,
      baseKey,
      identityKey,
      message,
      serialized,
    );
  }

  serialize(): Uint8Array {
    return this.serialized;
  }
}

/** What `signalEncrypt` returns: either message kind, with its type and bytes. */
export type CiphertextMessage = SignalMessage | PreKeySignalMessage;
