// Isomorphic byte helpers: strict base64 (RFC 4648 §4, padded, canonical) and UUID <-> 16 bytes.
// No Buffer, no atob: both are platform-specific and atob is lenient about non-canonical input.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes as padded standard base64. */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

/** Decoded length of a canonical base64 string, or -1 when the string cannot be canonical base64. */
export function base64DecodedLength(s: string): number {
  if (s.length % 4 !== 0) return -1;
  if (s.length === 0) return 0;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

/** Decodes padded canonical base64; returns undefined for anything else (bad chars, bad padding, stray bits). */
export function fromBase64(s: string): Uint8Array | undefined {
  const len = base64DecodedLength(s);
  if (len < 0) return undefined;
  const out = new Uint8Array(len);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const last = i + 4 === s.length;
    const c = [0, 1, 2, 3].map((k) => {
      const code = s.charCodeAt(i + k);
      return code < 128 ? LOOKUP[code]! : -1;
    });
    const [a, b, c2, d] = c as [number, number, number, number];
    if (a < 0 || b < 0) return undefined;
    if (last && s[i + 2] === '=') {
      if (s[i + 3] !== '=' || (b & 15) !== 0) return undefined;
      out[o++] = (a << 2) | (b >> 4);
    } else if (last && s[i + 3] === '=') {
      if (c2 < 0 || (c2 & 3) !== 0) return undefined;
      out[o++] = (a << 2) | (b >> 4);
      out[o++] = ((b & 15) << 4) | (c2 >> 2);
    } else {
      if (c2 < 0 || d < 0) return undefined;
      out[o++] = (a << 2) | (b >> 4);
      out[o++] = ((b & 15) << 4) | (c2 >> 2);
      out[o++] = ((c2 & 3) << 6) | d;
    }
  }
  return out;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a lower-case, hyphenated UUID string (the only form the API accepts). */
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

/** Value of a lower-case hex digit by char code, -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
/** Two lower-case hex digits for each byte value. */
const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Offsets of the hyphens in the 36-character UUID form. */
const isHyphenAt = (i: number) => i === 8 || i === 13 || i === 18 || i === 23;

/**
 * Parses a lower-case hyphenated UUID into its 16 bytes; undefined if malformed. (One pass over the
 * char codes: the relay converts a UUID per frame, so no regex or intermediate strings.)
 */
export function uuidToBytes(s: string): Uint8Array | undefined {
  if (typeof s !== 'string' || s.length !== 36) return undefined;
  const out = new Uint8Array(16);
  let o = 0;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (isHyphenAt(i)) {
      if (c !== 0x2d) return undefined;
      continue;
    }
    const hi = c < 128 ? HEX_VALUE[c]! : -1;
    const d = s.charCodeAt(++i);
    const lo = d < 128 ? HEX_VALUE[d]! : -1;
    if (hi < 0 || lo < 0) return undefined;
    out[o++] = (hi << 4) | lo;
  }
  return out;
}

/** Formats 16 bytes as a lower-case hyphenated UUID. */
export function bytesToUuid(b: Uint8Array): string {
  if (b.length !== 16) throw new RangeError(`"uuid" expected 16 bytes, got ${b.length}`);
  const hex = toHex(b);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += HEX_PAIRS[x]!;
  return s;
}

/** Parses lower-case hex of an exact byte length; undefined otherwise. */
export function fromHex(s: string, length: number): Uint8Array | undefined {
  if (typeof s !== 'string' || s.length !== length * 2) return undefined;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(2 * i);
    const d = s.charCodeAt(2 * i + 1);
    const hi = c < 128 ? HEX_VALUE[c]! : -1;
    const lo = d < 128 ? HEX_VALUE[d]! : -1;
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return concatChunks(parts);
}

/** The chunks of a stream (an HTTP body), joined into one array: no spread, however many there are. */
export function concatChunks(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
