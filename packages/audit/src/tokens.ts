// Canary tokens verifiable without a database (AUDIT.md, after BOAST).
//
// Layout, 180 bits = 36 lower-case base32 characters (one DNS label, case-insensitive):
//   run id (40 bits, random per run) ‖ slot (10 bits, 0..1023) ‖ first 130 bits of
//   HMAC-SHA256(auditKey, "canary/v1|" ‖ run ‖ slot)
// AUDIT.md sketches 80 MAC bits in 26 characters; issue 5 asks for 128-bit unpredictable tokens, so the
// MAC part is widened to 130 bits: without the audit key nobody can predict or forge a token, and
// with it any token can be re-verified later (after a restart) without a database.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { base32ToBits, bitsToBase32, bitsToNumber, bytesToBits, numberToBits } from './base32.js';
import { AuditError } from './errors.js';

export const TOKEN_LENGTH = 36;
export const RUN_BITS = 40;
export const SLOT_BITS = 10;
export const MAC_BITS = 130;
export const MAX_SLOT = 2 ** SLOT_BITS - 1;
const DOMAIN = 'canary/v1|';
/** A candidate token inside a URL: exactly 36 base32 characters not touching other base32 ones. */
export const TOKEN_PATTERN = /(?<![a-z2-7])[a-z2-7]{36}(?![a-z2-7])/g;

export interface TokenParts {
  readonly run: string; // 8 base32 characters
  readonly slot: number;
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length < 32) {
    throw new AuditError('BadKey', `"auditKey" expected >= 32 bytes, got ${String(key?.length)}`);
  }
}

function macBits(key: Uint8Array, runBits: number[], slot: number): number[] {
  const runAndSlot = bitsToBase32([...runBits, ...numberToBits(slot, SLOT_BITS)]);
  const mac = createHmac('sha256', key).update(DOMAIN).update(runAndSlot).digest();
  return bytesToBits(mac, MAC_BITS);
}

/** A fresh random 32-byte audit key. */
export function newAuditKey(random: (n: number) => Uint8Array = randomBytes): Uint8Array {
  return new Uint8Array(random(32));
}

/** A fresh random 40-bit run id as 8 base32 characters. */
export function newRunId(random: (n: number) => Uint8Array = randomBytes): string {
  return bitsToBase32(bytesToBits(random(5), RUN_BITS));
}

/** Derives the token for (run, slot). */
export function makeToken(key: Uint8Array, run: string, slot: number): string {
  checkKey(key);
  const runBits = base32ToBits(run);
  if (runBits === undefined || runBits.length !== RUN_BITS) {
    throw new AuditError('BadToken', `"run" expected 8 base32 characters`);
  }
  if (!Number.isInteger(slot) || slot < 0 || slot > MAX_SLOT) {
    throw new AuditError('BadToken', `"slot" expected 0..${MAX_SLOT}, got ${slot}`);
  }
  return bitsToBase32([...runBits, ...numberToBits(slot, SLOT_BITS), ...macBits(key, runBits, slot)]);
}

/** Verifies a token against the key (constant-time MAC compare); returns its parts or undefined. */
export function verifyToken(key: Uint8Array, token: string): TokenParts | undefined {
  checkKey(key);
  if (token.length !== TOKEN_LENGTH) return undefined;
  const bits = base32ToBits(token);
  if (bits === undefined) return undefined;
  const runBits = bits.slice(0, RUN_BITS);
  const slot = bitsToNumber(bits.slice(RUN_BITS, RUN_BITS + SLOT_BITS));
  const expected = Uint8Array.from(macBits(key, runBits, slot));
  const got = Uint8Array.from(bits.slice(RUN_BITS + SLOT_BITS));
  if (!timingSafeEqual(expected, got)) return undefined;
  return { run: bitsToBase32(runBits), slot };
}

/** Every valid token found in a string (e.g. a raw request target), lower-cased. */
export function findTokens(key: Uint8Array, text: string): string[] {
  const found = new Set<string>();
  // Also look at the percent-decoded form: `%61bc…` is the same token to any server that decodes.
  // Each %XX escape is decoded on its own, so a malformed one elsewhere (`?q=100%`) is left as it is
  // instead of stopping the decoding of the rest.
  const decoded = text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
  for (const m of `${text}\n${decoded}`.toLowerCase().matchAll(TOKEN_PATTERN)) {
    if (verifyToken(key, m[0]) !== undefined) found.add(m[0]);
  }
  return [...found];
}

export type UrlForm = 'path' | 'query';

// Neutral words only: nothing that says "canary" or "test" in a path (AUDIT.md). The query form is
// the article's own `/index.html?test_never_clicked=` so a run is comparable with the 2013 one.
const PATH_WORDS = ['news', 'blog', 'articles', 'photos', 'docs'] as const;

/** The URL carrying a token, in the path form or the article's query form. */
export function tokenUrl(base: string, token: string, form: UrlForm, variant = 0): string {
  const url = new URL(base);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AuditError('BadOption', `"base" expected an http(s) URL`);
  }
  const prefix = url.pathname.replace(/\/+$/, '');
  if (form === 'query') return `${url.origin}${prefix}/index.html?test_never_clicked=${token}`;
  const word = PATH_WORDS[variant % PATH_WORDS.length] ?? 'news';
  return `${url.origin}${prefix}/${word}/${token}.html`;
}
