/**
 * Sotto addresses: a `sotto:` URI a user shares as text or as a QR code.
 *
 *   sotto:<accountId>?relay=<percent-encoded relay URL>&ik=<base64url identity key>
 *
 * - accountId: the relay account id, a lower-case UUID.
 * - relay: an http(s) or ws(s) origin-plus-path without credentials, query or fragment.
 * - ik: the FULL 33-byte identity public key (0x05 || X25519), 44 base64url characters — not a
 *   truncated fingerprint. A contact added from this address is verified at once because the key
 *   the relay later serves must be byte-identical to it (nothing to brute-force: a fingerprint
 *   would need ≥128 bits to be as strong, saving only ~20 characters). The 60-digit safety number
 *   is computed from the same key.
 *
 * Parsing is strict (case-sensitive scheme, exactly these two parameters once each, canonical
 * base64url, no trailing junk); every failure is `AddressError('MalformedAddress')`.
 * `formatAddress(parseAddress(s)) === s` for every canonical address.
 */
import { AddressError } from './address-errors.js';
import { fromBase64Url, toBase64Url } from './base64url.js';

export const ADDRESS_SCHEME = 'sotto:';
export const IDENTITY_KEY_BYTES = 33;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_ADDRESS_LENGTH = 2048;

export interface SottoAddress {
  accountId: string;
  /** Normalised relay URL (WHATWG URL serialisation). */
  relayUrl: string;
  /** 33-byte identity public key. */
  identityKey: Uint8Array;
}

function malformed(why: string): never {
  throw new AddressError('MalformedAddress', `malformed address: ${why}`);
}

/** Checks and normalises a relay URL; returns the canonical string. */
export function normaliseRelayUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return malformed('relay is not a URL');
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) malformed('relay must be http(s) or ws(s)');
  if (u.username !== '' || u.password !== '') malformed('relay must not contain credentials');
  if (u.search !== '' || u.hash !== '') malformed('relay must not have a query or fragment');
  if (u.hostname === '') malformed('relay has no host');
  return u.toString();
}

function checkIdentityKey(k: Uint8Array): Uint8Array {
  if (!(k instanceof Uint8Array) || k.length !== IDENTITY_KEY_BYTES || k[0] !== 0x05) {
    malformed(`identity key must be ${IDENTITY_KEY_BYTES} bytes starting 0x05`);
  }
  return k;
}

/** Canonical text form. Throws `MalformedAddress` when a field is invalid. */
export function formatAddress(a: SottoAddress): string {
  if (typeof a.accountId !== 'string' || !UUID.test(a.accountId))
    malformed('account id must be a lower-case UUID');
  const relay = normaliseRelayUrl(a.relayUrl);
  checkIdentityKey(a.identityKey);
  return `${ADDRESS_SCHEME}${a.accountId}?relay=${encodeURIComponent(relay)}&ik=${toBase64Url(a.identityKey)}`;
}

/** Strict parse of the canonical text form (surrounding whitespace from copy/paste is trimmed). */
export function parseAddress(text: string): SottoAddress {
  if (typeof text !== 'string') malformed('not a string');
  const s = text.trim();
  if (s.length > MAX_ADDRESS_LENGTH) malformed('too long');
  if (!s.startsWith(ADDRESS_SCHEME)) malformed('missing sotto: scheme');
  const rest = s.slice(ADDRESS_SCHEME.length);
  const q = rest.indexOf('?');
  if (q < 0) malformed('missing parameters');
  const accountId = rest.slice(0, q);
  if (!UUID.test(accountId)) malformed('account id must be a lower-case UUID');
  const params = rest.slice(q + 1).split('&');
  if (params.length !== 2) malformed('expected exactly relay and ik');
  const values = new Map<string, string>();
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) malformed('parameter without value');
    const name = p.slice(0, eq);
    if (name !== 'relay' && name !== 'ik') malformed('unknown parameter');
    if (values.has(name)) malformed('duplicate parameter');
    values.set(name, p.slice(eq + 1));
  }
  const rawRelay = values.get('relay');
  const rawIk = values.get('ik');
  if (rawRelay === undefined || rawIk === undefined) return malformed('expected relay and ik');
  let relay: string;
  try {
    relay = decodeURIComponent(rawRelay);
  } catch {
    return malformed('bad percent-encoding');
  }
  const relayUrl = normaliseRelayUrl(relay);
  const identityKey = fromBase64Url(rawIk);
  if (identityKey === undefined) return malformed('ik is not canonical base64url');
  checkIdentityKey(identityKey);
  return { accountId, relayUrl, identityKey };
}
