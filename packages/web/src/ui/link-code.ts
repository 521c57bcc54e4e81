/**
 * The text forms of device linking, the same as the CLI's (packages/cli/src/commands/link-code.ts), so
 * a request or code shown by `sotto init --link` / `sotto devices link` can be pasted here and the
 * other way round: base64url without padding; whitespace a chat window or a terminal added (line
 * wraps, indentation) is ignored; anything else is refused with the reason before any key is used.
 * Fingerprints are SHA-256 (WebCrypto: no Node built-ins in the page) in groups of 4 hex digits:
 * 16 digits for a request (both devices show it, to compare), 32 for the identity key (what
 * `sotto whoami` shows).
 */

import { fromBase64Url, toBase64Url } from '@sotto/client';

export type ParsedCode = { ok: true; bytes: Uint8Array } | { ok: false; error: string };

export function codeText(bytes: Uint8Array): string {
  return toBase64Url(bytes);
}

/** Bytes of a pasted code; `what` names it in the error ("link request", "link code"). */
export function parseCode(text: string, what: string, minBytes: number, maxBytes: number): ParsedCode {
  const compact = text.replace(/\s+/g, '');
  const invalid = (why: string): ParsedCode => ({ ok: false, error: `Invalid ${what}: ${why}.` });
  if (compact.length === 0) return invalid('it is empty');
  if (!/^[A-Za-z0-9_-]+$/.test(compact))
    return invalid('it has characters a code never has (paste it whole)');
  // Strict, as the CLI is: one accepted text per byte string (no dangling character, no stray bits).
  const bytes = fromBase64Url(compact);
  if (bytes === undefined || bytes.length < minBytes || bytes.length > maxBytes)
    return invalid('it is cut short or has extra characters');
  return { ok: true, bytes };
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

const grouped = (hex: string) => hex.replace(/(.{4})(?=.)/g, '$1 ');

/** 64 bits of SHA-256 of a link request, in groups of 4 hex digits: both sides show it to compare. */
export async function requestFingerprint(request: Uint8Array): Promise<string> {
  return grouped((await sha256Hex(request)).slice(0, 16));
}

/** SHA-256 of the identity key, first 16 bytes in hex groups of 4 (the CLI's `sotto whoami` format). */
export async function identityFingerprint(identityKey: Uint8Array): Promise<string> {
  return grouped((await sha256Hex(identityKey)).slice(0, 32));
}
