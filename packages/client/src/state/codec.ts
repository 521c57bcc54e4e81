/**
 * Record codec for the typed repositories: JSON validated with zod on the way in AND out (a
 * decrypted record is still untrusted input: validate after decoding). Bytes travel as base64url.
 */
import { z } from 'zod';
import { fromUtf8, utf8 } from '../storage/bytes.js';
import { StorageError } from '../storage/errors.js';

const B64U = /^[A-Za-z0-9_-]*$/;

export function toBase64Url(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Strict base64url (no padding, no other characters); undefined when malformed. */
export function fromBase64Url(s: string): Uint8Array | undefined {
  if (!B64U.test(s) || s.length % 4 === 1) return undefined;
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    return undefined;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  // Reject non-canonical encodings (stray low bits in the last character).
  return toBase64Url(out) === s ? out : undefined;
}

/** A zod schema for bytes stored as base64url, decoded to Uint8Array. */
export const zBytes = z.string().transform((s, ctx) => {
  const b = fromBase64Url(s);
  if (b === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected base64url' });
    return z.NEVER;
  }
  return b;
});

export const zTime = z.number().int().nonnegative();

function replacer(_k: string, v: unknown): unknown {
  return v instanceof Uint8Array ? toBase64Url(v) : v;
}

export function encodeRecord(value: unknown): Uint8Array {
  return utf8(JSON.stringify(value, replacer));
}

/** Decodes and validates; a record that does not match its schema is `CorruptRecord`. */
export function decodeRecord<S extends z.ZodType>(schema: S, bytes: Uint8Array, what: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new StorageError('CorruptRecord', `${what}: not a JSON record`);
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new StorageError('CorruptRecord', `${what}: record does not match its schema`);
  return r.data;
}

/** Encodes a record after checking it against its schema (`InvalidArgument` when it does not fit). */
export function encodeChecked<S extends z.ZodType>(schema: S, value: z.output<S>, what: string): Uint8Array {
  const bytes = encodeRecord(value);
  const r = schema.safeParse(JSON.parse(fromUtf8(bytes)));
  if (!r.success)
    throw new StorageError('InvalidArgument', `${what}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return bytes;
}
