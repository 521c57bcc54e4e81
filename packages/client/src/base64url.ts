// Base64url without padding (RFC 4648 §5), for identity keys in addresses and scannable safety numbers.
// Decoding is strict: any other character, a impossible length or stray low bits in the last
// character make it undefined, so one byte string has exactly one accepted text form.
const B64U = /^[A-Za-z0-9_-]*$/;

export function toBase64Url(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of a canonical base64url text, or undefined. */
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
  return toBase64Url(out) === s ? out : undefined;
}
