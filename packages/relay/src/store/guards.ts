// Argument checks at every port entry (the noble style: say what was expected and what came). The
// routes already validate, so these only catch caller bugs before they reach the database.
import { StoreError } from './store-error.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ATTACHMENT_ID_RE = /^[A-Za-z0-9_-]{16,64}$/;

function fail(message: string): never {
  throw new StoreError('InvalidArgument', message);
}

export function checkAccountId(v: string, what = 'accountId'): void {
  if (typeof v !== 'string' || !UUID_RE.test(v)) fail(`"${what}" expected a lower-case UUID`);
}

export function checkDeviceId(v: number, what = 'deviceId'): void {
  if (!Number.isInteger(v) || v < 1 || v > 127) fail(`"${what}" expected an integer 1..127, got ${v}`);
}

export function checkInt(v: number, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(v) || v < min || v > max) fail(`"${what}" expected an integer ${min}..${max}`);
}

export function checkBytes(v: Uint8Array, what: string, min: number, max = min): void {
  if (!(v instanceof Uint8Array)) fail(`"${what}" expected Uint8Array`);
  if (v.length < min || v.length > max) {
    fail(`"${what}" expected ${min === max ? min : `${min}..${max}`} bytes, got ${v.length}`);
  }
}

export function checkString(v: string, what: string, maxLength: number): void {
  if (typeof v !== 'string' || v.length === 0 || v.length > maxLength) {
    fail(`"${what}" expected a string of 1..${maxLength} characters`);
  }
}

export function checkAttachmentId(v: string): void {
  if (typeof v !== 'string' || !ATTACHMENT_ID_RE.test(v))
    fail('"attachmentId" expected [A-Za-z0-9_-]{16,64}');
}

/** Key sizes (libsignal serialisations): see @sotto/wire limits. */
export const EC_KEY_BYTES = 33;
export const SIGNATURE_BYTES = 64;
export const KYBER_KEY_BYTES = 1569;
export const ENVELOPE_ID_BYTES = 16;
export const MAX_KEY_ID = 0xffffff;
export const MAX_REGISTRATION_ID = 0x3fff;
/** Bound on a stored secret hash (scrypt strings are ~100 chars). */
export const MAX_SECRET_HASH_CHARS = 512;
