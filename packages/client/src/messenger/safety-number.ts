/**
 * Safety numbers via the protocol's Fingerprint, with Signal's parameters: version 2, 5200
 * iterations. The stable identifier of each side is its ACCOUNT ID as 16 raw UUID bytes (the relay
 * assigns it once and never changes it; Signal likewise uses the 16-byte ACI for version 2). The
 * identity keys are the accounts' (shared by all their devices), so every device of both sides
 * shows the same 60 digits.
 */
import { Fingerprint, PublicKey } from '@sotto/protocol';
import { uuidToBytes } from '@sotto/wire';
import { toBase64Url } from '../base64url.js';
import { MessengerError } from './errors.js';

export const FINGERPRINT_VERSION = 2;
export const FINGERPRINT_ITERATIONS = 5200;

export interface SafetyNumber {
  /** 60 digits, no spaces. */
  digits: string;
  /** The digits in 12 groups of 5, for display. */
  grouped: string;
  /** The scannable (QR) form: the protocol's CombinedFingerprints bytes. */
  scannable: Uint8Array;
  /** The same bytes as base64url text (for `sotto verify --scan DATA` and QR payloads). */
  scannableText: string;
}

function idBytes(accountId: string): Uint8Array {
  const b = uuidToBytes(accountId);
  if (!b) throw new MessengerError('InvalidArgument', 'account id is not a UUID');
  return b;
}

function fingerprint(
  localAccountId: string,
  localKey: Uint8Array,
  remoteAccountId: string,
  remoteKey: Uint8Array,
): Fingerprint {
  return Fingerprint.new(
    FINGERPRINT_ITERATIONS,
    FINGERPRINT_VERSION,
    idBytes(localAccountId),
    PublicKey.deserialize(localKey),
    idBytes(remoteAccountId),
    PublicKey.deserialize(remoteKey),
  );
}

export function safetyNumber(
  localAccountId: string,
  localKey: Uint8Array,
  remoteAccountId: string,
  remoteKey: Uint8Array,
): SafetyNumber {
  const f = fingerprint(localAccountId, localKey, remoteAccountId, remoteKey);
  const digits = f.displayableFingerprint().toString();
  const scannable = f.scannableFingerprint().serialize();
  return {
    digits,
    grouped: digits.replace(/(\d{5})(?=\d)/g, '$1 '),
    scannable,
    scannableText: toBase64Url(scannable),
  };
}

/** True iff `scanned` (the other side's scannable form) matches our view of the pair. */
export function scannedMatches(
  localAccountId: string,
  localKey: Uint8Array,
  remoteAccountId: string,
  remoteKey: Uint8Array,
  scanned: Uint8Array,
): boolean {
  const f = fingerprint(localAccountId, localKey, remoteAccountId, remoteKey);
  try {
    return f.scannableFingerprint().compare(scanned);
  } catch {
    return false;
  }
}
