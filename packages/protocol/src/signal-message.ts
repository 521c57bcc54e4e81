/**
 * `SignalMessage` (ciphertext message type 2, "Whisper"): `version || protobuf || MAC8`.
 *
 * Layout and checks follow libsignal `rust/protocol/src/protocol.rs` and `proto/wire.proto`:
 * fields 1 ratchet_key (33 B), 2 counter, 3 previous_counter, 4 ciphertext, 5 pq_ratchet (SPQR
 * message), 6 addresses (36 B, optional). The MAC is the first 8 bytes of
 * HMAC-SHA256(macKey, senderIdentity || receiverIdentity || version || protobuf), computed over
 * the bytes as received, and compared in constant time.
 */
import { constantTimeEqual } from './bytes.js';
import type { CryptoProvider } from './crypto-provider.js';
import { ProtocolError } from './errors.js';
import { ProtoReader, SeenFields, checkUint32, putVarint32, varint32Size } from './protobuf.js';

export const CIPHERTEXT_MESSAGE_CURRENT_VERSION = 4;
/** The pre-Kyber (X3DH) version: still parsed, never accepted for new sessions. */
export const CIPHERTEXT_MESSAGE_PRE_KYBER_VERSION = 3;
export const MAC_LENGTH = 8;
export const PUBLIC_KEY_LENGTH = 33;
export const DJB_KEY_TYPE = 0x05;
export const ADDRESSES_LENGTH = 36;

export const CiphertextMessageType = {
  Whisper: 2,
  PreKey: 3,
} as const;
export type CiphertextMessageType = (typeof CiphertextMessageType)[keyof typeof CiphertextMessageType];

/** Checks the ciphertext version nibble as libsignal does (3..4 parse, lower is legacy). */
export function checkMessageVersion(first: number): number {
  const version = first >> 4;
  if (version < CIPHERTEXT_MESSAGE_PRE_KYBER_VERSION) {
    throw new ProtocolError('LegacyCiphertextVersion', `legacy ciphertext version ${version}`);
  }
  if (version > CIPHERTEXT_MESSAGE_CURRENT_VERSION) {
    throw new ProtocolError('UnsupportedVersion', `unrecognised ciphertext version ${version}`);
  }
  return version;
}

/** A serialised Curve25519 public key: exactly 33 bytes starting with 0x05. */
export function checkPublicKeyBytes(key: Uint8Array, what: string): Uint8Array {
  if (key.length !== PUBLIC_KEY_LENGTH || key[0] !== DJB_KEY_TYPE) {
    throw new ProtocolError('InvalidKey', `${what}: expected a 33-byte 0x05 public key`);
  }
  return key;
}

export interface SignalMessageParts {
  senderRatchetKey: Uint8Array;
  counter: number;
  previousCounter: number;
  ciphertext: Uint8Array;
  /** SPQR message bytes; empty means "no SPQR" (rejected by v4 sessions). */
  pqRatchet: Uint8Array;
  addresses?: Uint8Array | undefined;
}

/**
 * The MAC input `senderIdentity || receiverIdentity || content` is assembled in one module-level
 * scratch array that grows as needed and is reused, instead of a new array per message: typed
 * arrays above 64 bytes live outside V8's heap and each costs ≈ 1 µs to allocate and sweep
 * (measured, docs/protocol.md). Everything written there is public (identity public keys and the
 * message as sent), and the MAC is computed synchronously before it is reused.
 */
let macInput = new Uint8Array(512);

function computeMac(
  crypto: CryptoProvider,
  macKey: Uint8Array,
  senderIdentity: Uint8Array,
  receiverIdentity: Uint8Array,
  content: Uint8Array,
): Uint8Array {
  if (macKey.length !== 32) throw new ProtocolError('InvalidArgument', 'MAC key must be 32 bytes');
  const length = senderIdentity.length + receiverIdentity.length + content.length;
  if (macInput.length < length) macInput = new Uint8Array(Math.max(length, 2 * macInput.length));
  const input = macInput;
  input.set(senderIdentity, 0);
  input.set(receiverIdentity, senderIdentity.length);
  input.set(content, senderIdentity.length + receiverIdentity.length);
  return crypto.hmacSha256(macKey, input.subarray(0, length)).subarray(0, MAC_LENGTH);
}

/** Writes a length-delimited field (tag < 16, so one tag byte) at `pos`. */
function putBytes(out: Uint8Array, pos: number, field: number, v: Uint8Array): number {
  out[pos] = (field << 3) | 2;
  pos = putVarint32(out, pos + 1, v.length);
  out.set(v, pos);
  return pos + v.length;
}

export class SignalMessage implements SignalMessageParts {
  readonly type = CiphertextMessageType.Whisper;

  private constructor(
    readonly messageVersion: number,
    readonly senderRatchetKey: Uint8Array,
    readonly counter: number,
    readonly previousCounter: number,
    readonly ciphertext: Uint8Array,
    readonly pqRatchet: Uint8Array,
    readonly addresses: Uint8Array | undefined,
    /** The exact bytes as sent/received (the MAC covers these). */
    readonly serialized: Uint8Array,
  ) {}

  /** Builds and MACs a message (fields in tag order, as libsignal/prost writes them). */
  static create(
    crypto: CryptoProvider,
    parts: SignalMessageParts,
    macKey: Uint8Array,
    senderIdentity: Uint8Array,
    receiverIdentity: Uint8Array,
    messageVersion = CIPHERTEXT_MESSAGE_CURRENT_VERSION,
  ): SignalMessage {
    checkPublicKeyBytes(parts.senderRatchetKey, 'ratchet key');
    checkUint32(2, parts.counter);
    checkUint32(3, parts.previousCounter);
    const { ciphertext, pqRatchet, addresses } = parts;
    // Exact size, so the message is written once into the array it is sent in (the same bytes
    // ProtoWriter produces: fields in tag order, one-byte tags, minimal varints).
    let size = 1 + 2 + PUBLIC_KEY_LENGTH;
    size += 1 + varint32Size(parts.counter) + 1 + varint32Size(parts.previousCounter);
    size += 1 + varint32Size(ciphertext.length) + ciphertext.length;
    if (pqRatchet.length > 0) size += 1 + varint32Size(pqRatchet.length) + pqRatchet.length;
    if (addresses !== undefined) size += 1 + varint32Size(addresses.length) + addresses.length;
    const serialized = new Uint8Array(size + MAC_LENGTH);
    serialized[0] = ((messageVersion & 0xf) << 4) | CIPHERTEXT_MESSAGE_CURRENT_VERSION;
    let pos = putBytes(serialized, 1, 1, parts.senderRatchetKey);
    serialized[pos] = 2 << 3;
    pos = putVarint32(serialized, pos + 1, parts.counter);
    serialized[pos] = 3 << 3;
    pos = putVarint32(serialized, pos + 1, parts.previousCounter);
    pos = putBytes(serialized, pos, 4, ciphertext);
    if (pqRatchet.length > 0) pos = putBytes(serialized, pos, 5, pqRatchet);
    if (addresses !== undefined) pos = putBytes(serialized, pos, 6, addresses);
    const content = serialized.subarray(0, size);
    serialized.set(computeMac(crypto, macKey, senderIdentity, receiverIdentity, content), size);
    return new SignalMessage(
      messageVersion,
      parts.senderRatchetKey,
      parts.counter,
      parts.previousCounter,
      parts.ciphertext,
      parts.pqRatchet,
      parts.addresses,
      serialized,
    );
  }

  /** Strictly decodes a received SignalMessage (the MAC is checked later, with the session keys). */
  static deserialize(bytes: Uint8Array): SignalMessage {
    if (!(bytes instanceof Uint8Array)) throw new ProtocolError('InvalidArgument', 'expected bytes');
    if (bytes.length < MAC_LENGTH + 1) {
      throw new ProtocolError('InvalidMessage', `SignalMessage too short (${bytes.length} bytes)`);
    }
    const version = checkMessageVersion(bytes[0]!);
    const copy = bytes.slice();
    return SignalMessage.parse(copy, version, copy.subarray(1, copy.length - MAC_LENGTH));
  }

  private static parse(serialized: Uint8Array, version: number, body: Uint8Array): SignalMessage {
    const r = new ProtoReader(body, 'SignalMessage');
    const seen = new SeenFields('SignalMessage');
    let ratchetKey: Uint8Array | undefined;
    let counter: number | undefined;
    let previousCounter = 0;
    let ciphertext: Uint8Array | undefined;
    let pqRatchet: Uint8Array = new Uint8Array(0);
    let addresses: Uint8Array | undefined;
    while (r.next()) {
      const f = r.field;
      if (f >= 1 && f <= 6) seen.mark(f);
      switch (f) {
        case 1:
          ratchetKey = checkPublicKeyBytes(r.bytes(), 'SignalMessage ratchet key');
          break;
        case 2:
          counter = r.uint32();
          break;
        case 3:
          previousCounter = r.uint32();
          break;
        case 4:
          ciphertext = r.bytes();
          break;
        case 5:
          pqRatchet = r.bytes();
          break;
        case 6:
          addresses = r.bytes();
          if (addresses.length !== ADDRESSES_LENGTH) {
            throw new ProtocolError('InvalidMessage', 'SignalMessage addresses must be 36 bytes');
          }
          break;
        default:
          r.skip();
      }
    }
    if (ratchetKey === undefined || counter === undefined || ciphertext === undefined) {
      throw new ProtocolError('InvalidMessage', 'SignalMessage is missing a required field');
    }
    if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
      throw new ProtocolError('InvalidMessage', 'SignalMessage ciphertext is not whole AES blocks');
    }
    return new SignalMessage(
      version,
      ratchetKey,
      counter,
      previousCounter,
      ciphertext,
      pqRatchet,
      addresses,
      serialized,
    );
  }

  /** Constant-time check of the 8-byte MAC over the bytes as received. */
  verifyMac(
    crypto: CryptoProvider,
    senderIdentity: Uint8Array,
    receiverIdentity: Uint8Array,
    macKey: Uint8Array,
  ): boolean {
    const s = this.serialized;
    const content = s.subarray(0, s.length - MAC_LENGTH);
    const ours = computeMac(crypto, macKey, senderIdentity, receiverIdentity, content);
    return constantTimeEqual(ours, s.subarray(s.length - MAC_LENGTH));
  }

  serialize(): Uint8Array {
    return this.serialized;
  }
}
