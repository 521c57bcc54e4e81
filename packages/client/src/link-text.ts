// The text forms of device linking (messenger/link-transfer.ts), one definition for the CLI and the
// web client so that a request or code shown by one can be pasted into the other: base64url without
// padding, and short SHA-256 fingerprints people compare by eye. Pasted by people, so whitespace a
// terminal or a chat window added (line wraps, indentation) is ignored, and anything else is refused
// with a reason before any key is used.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { fromBase64Url, toBase64Url } from './base64url.js';

/** A pasted code's bytes, or why they were refused (a phrase: "it is empty"). */
export type ParsedLinkText = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

/** The text a person copies: base64url without padding. */
export function linkText(bytes: Uint8Array): string {
  return toBase64Url(bytes);
}

/** The bytes of a pasted code of `minBytes`..`maxBytes` bytes, whitespace ignored. */
export function parseLinkText(text: string, minBytes: number, maxBytes: number): ParsedLinkText {
  const compact = text.replace(/\s+/g, '');
  const refuse = (reason: string): ParsedLinkText => ({ ok: false, reason });
  if (compact.length === 0) return refuse('it is empty');
  if (!/^[A-Za-z0-9_-]+$/.test(compact)) return refuse('it has characters a code never has (paste it whole)');
  // Strict: one accepted text per byte string (no dangling character, no stray low bits).
  const bytes = fromBase64Url(compact);
  if (bytes === undefined || bytes.length < minBytes || bytes.length > maxBytes)
    return refuse('it is cut short or has extra characters');
  return { ok: true, bytes };
}

const grouped = (hex: string) => hex.replace(/(.{4})(?=.)/g, '$1 ');

/** 64 bits of SHA-256 of a link request, in groups of 4 hex digits: both devices show it to compare. */
export function requestFingerprint(request: Uint8Array): string {
  return grouped(bytesToHex(sha256(request)).slice(0, 16));
}

/** The first 16 bytes of SHA-256 of an identity key, in groups of 4 hex digits: easy to read out loud. */
export function identityFingerprint(identityKey: Uint8Array): string {
  return grouped(bytesToHex(sha256(identityKey)).slice(0, 32));
}
