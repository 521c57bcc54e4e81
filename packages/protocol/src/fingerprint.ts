/**
 * Safety numbers, identical to libsignal's `Fingerprint` (`rust/protocol/src/fingerprint.rs`).
 *
 * Each side's fingerprint: SHA-512(0x0000 || key || stableId || key), then (iterations − 1) times
 * SHA-512(previous || key), where key is the 33-byte serialised identity key. Signal uses 5200
 * iterations; libsignal accepts 2..1,000,000.
 * - Displayable: from each side's first 30 bytes, six 5-byte big-endian numbers mod 100000 as
 *   5 digits = 30 digits; the two 30-digit strings are concatenated in lexicographic order (so both
 *   parties see the same 60 digits).
 * - Scannable (QR code): protobuf `CombinedFingerprints { uint32 version = 1; LogicalFingerprint
 *   local_fingerprint = 2; LogicalFingerprint remote_fingerprint = 3 }` with
 *   `LogicalFingerprint { bytes content = 1 }` holding each side's first 32 bytes.
 *   `compare` checks a peer's scannable form: their local must be our remote and vice versa.
 */
import type { CryptoProvider } from './crypto-provider.js';
import { expectBytes } from './bytes.js';
import { PublicKey } from './curve.js';
import { defaultCrypto } from './default-crypto.js';
import { ProtocolError, isProtocolError } from './errors.js';
import { ProtoReader, ProtoWriter, SeenFields } from './protobuf.js';

const MIN_ITERATIONS = 2;
const MAX_ITERATIONS = 1_000_000;
const SCANNABLE_BYTES = 32;
const DISPLAY_BYTES = 30;

/** The peer's scannable fingerprint has another version than ours (libsignal `VersionMismatch`). */
export class FingerprintVersionMismatchError extends ProtocolError {
  constructor(
    readonly theirs: number,
    readonly ours: number,
  ) {
    super('FingerprintVersionMismatch', `fingerprint version number mismatch them ${theirs} us ${ours}`);
  }
}

function parsingError(why: string, cause?: unknown): ProtocolError {
  return new ProtocolError('FingerprintParsingError', `fingerprint parsing error: ${why}`, { cause });
}

function identityKeyBytes(key: PublicKey | Uint8Array, what: string): Uint8Array {
  return key instanceof PublicKey
    ? key.serialize()
    : PublicKey.deserialize(expectBytes(key, undefined, what)).serialize();
}

/** One side's iterated SHA-512 (64 bytes). */
function iteratedHash(
  crypto: CryptoProvider,
  iterations: number,
  id: Uint8Array,
  key: Uint8Array,
): Uint8Array {
  const first = new Uint8Array(2 + key.length + id.length + key.length); // version 0x0000 first
  first.set(key, 2);
  first.set(id, 2 + key.length);
  first.set(key, 2 + key.length + id.length);
  let digest = crypto.sha512(first);
  // One reusable buffer: previous digest || key.
  const buf = new Uint8Array(64 + key.length);
  buf.set(key, 64);
  for (let i = 1; i < iterations; i++) {
    buf.set(digest, 0);
    digest = crypto.sha512(buf);
  }
  return digest;
}

function encodedDigits(fingerprint: Uint8Array): string {
  let s = '';
  for (let chunk = 0; chunk < DISPLAY_BYTES; chunk += 5) {
    // 40-bit big-endian integer: exact in a double (< 2^53).
    let x = 0;
    for (let i = 0; i < 5; i++) x = x * 256 + fingerprint[chunk + i]!;
    s += String(x % 100_000).padStart(5, '0');
  }
  return s;
}

/** The 60-digit safety number both parties see. */
export class DisplayableFingerprint {
  private constructor(private readonly digits: string) {}

  /** From each side's raw fingerprint (≥ 30 bytes). */
  static fromFingerprints(local: Uint8Array, remote: Uint8Array): DisplayableFingerprint {
    if (local.length < DISPLAY_BYTES || remote.length < DISPLAY_BYTES) {
      throw parsingError('DisplayableFingerprint created with short encoding');
    }
    const l = encodedDigits(local);
    const r = encodedDigits(remote);
    return new DisplayableFingerprint(l < r ? l + r : r + l);
  }

  toString(): string {
    return this.digits;
  }
}

function readLogicalFingerprint(bytes: Uint8Array): Uint8Array | undefined {
  const r = new ProtoReader(bytes, 'LogicalFingerprint');
  const seen = new SeenFields('LogicalFingerprint');
  let content: Uint8Array | undefined;
  while (r.next()) {
    if (r.field === 1) {
      seen.mark(1);
      content = r.bytes().slice();
    } else {
      r.skip();
    }
  }
  return content;
}

interface CombinedFingerprints {
  version: number | undefined;
  local: Uint8Array | undefined;
  remote: Uint8Array | undefined;
}

function decodeCombined(bytes: Uint8Array): CombinedFingerprints {
  if (!(bytes instanceof Uint8Array)) throw parsingError('expected bytes');
  try {
    const r = new ProtoReader(bytes, 'CombinedFingerprints');
    const seen = new SeenFields('CombinedFingerprints');
    const out: CombinedFingerprints = { version: undefined, local: undefined, remote: undefined };
    while (r.next()) {
      const f = r.field;
      if (f >= 1 && f <= 3) seen.mark(f);
      if (f === 1) out.version = r.uint32();
      else if (f === 2) out.local = readLogicalFingerprint(r.bytes());
      else if (f === 3) out.remote = readLogicalFingerprint(r.bytes());
      else r.skip();
    }
    return out;
  } catch (e) {
    if (isProtocolError(e, 'InvalidMessage')) throw parsingError('failed to decode protobuf', e);
    throw e;
  }
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The QR-code form: version plus the first 32 bytes of each side's fingerprint. */
export class ScannableFingerprint {
  private constructor(
    readonly version: number,
    private readonly local: Uint8Array,
    private readonly remote: Uint8Array,
  ) {}

  static fromFingerprints(version: number, local: Uint8Array, remote: Uint8Array): ScannableFingerprint {
    return new ScannableFingerprint(
      version,
      local.slice(0, SCANNABLE_BYTES),
      remote.slice(0, SCANNABLE_BYTES),
    );
  }

  /** Strict decode; version and both fingerprints are required, else FingerprintParsingError. */
  static deserialize(bytes: Uint8Array): ScannableFingerprint {
    const c = decodeCombined(bytes);
    if (c.version === undefined) throw parsingError('missing version');
    if (c.local === undefined) throw parsingError('missing local fingerprint');
    if (c.remote === undefined) throw parsingError('missing remote fingerprint');
    return new ScannableFingerprint(c.version, c.local, c.remote);
  }

  /** The protobuf bytes, exactly as libsignal (prost) writes them. */
  serialize(): Uint8Array {
    const logical = (content: Uint8Array) => new ProtoWriter(content.length + 4).bytes(1, content).finish();
    const local = logical(this.local);
    const remote = logical(this.remote);
    return new ProtoWriter(16 + local.length + remote.length)
      .uint32(1, this.version)
      .bytes(2, local)
      .bytes(3, remote)
      .finish();
  }

  /**
   * Checks the peer's scannable fingerprint (as scanned from their screen) against ours: true iff
   * their local is our remote and their remote is our local. A different version is a
   * `FingerprintVersionMismatchError`; an undecodable or incomplete form a FingerprintParsingError.
   */
  compare(theirs: Uint8Array | ScannableFingerprint): boolean {
    const c = theirs instanceof ScannableFingerprint ? theirs.asCombined() : decodeCombined(theirs);
    const theirVersion = c.version ?? 0;
    if (theirVersion !== this.version) throw new FingerprintVersionMismatchError(theirVersion, this.version);
    if (c.local === undefined) throw parsingError('missing their local fingerprint');
    if (c.remote === undefined) throw parsingError('missing their remote fingerprint');
    const same1 = constantTimeEqual(c.local, this.remote);
    const same2 = constantTimeEqual(c.remote, this.local);
    return same1 && same2;
  }

  private asCombined(): CombinedFingerprints {
    return { version: this.version, local: this.local, remote: this.remote };
  }
}

/** A safety number for a pair of identities (libsignal `Fingerprint`). */
export class Fingerprint {
  private constructor(
    readonly displayable: DisplayableFingerprint,
    readonly scannable: ScannableFingerprint,
  ) {}

  /**
   * libsignal `Fingerprint.new(iterations, version, localIdentifier, localKey, remoteIdentifier,
   * remoteKey)`; keys are PublicKeys or 33-byte serialised identity keys. Signal uses 5200
   * iterations and version 2 with 32-byte service-id identifiers.
   */
  static new(
    iterations: number,
    version: number,
    localIdentifier: Uint8Array,
    localKey: PublicKey | Uint8Array,
    remoteIdentifier: Uint8Array,
    remoteKey: PublicKey | Uint8Array,
    crypto: CryptoProvider = defaultCrypto(),
  ): Fingerprint {
    if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new ProtocolError('InvalidArgument', `Invalid fingerprint iterations ${iterations}`);
    }
    if (!Number.isInteger(version) || version < 0 || version > 0xffffffff) {
      throw new ProtocolError('InvalidArgument', `invalid fingerprint version ${version}`);
    }
    expectBytes(localIdentifier, undefined, 'localIdentifier');
    expectBytes(remoteIdentifier, undefined, 'remoteIdentifier');
    const local = iteratedHash(crypto, iterations, localIdentifier, identityKeyBytes(localKey, 'localKey'));
    const remote = iteratedHash(
      crypto,
      iterations,
      remoteIdentifier,
      identityKeyBytes(remoteKey, 'remoteKey'),
    );
    return new Fingerprint(
      DisplayableFingerprint.fromFingerprints(local, remote),
      ScannableFingerprint.fromFingerprints(version, local, remote),
    );
  }

  displayableFingerprint(): DisplayableFingerprint {
    return this.displayable;
  }

  scannableFingerprint(): ScannableFingerprint {
    return this.scannable;
  }
}
