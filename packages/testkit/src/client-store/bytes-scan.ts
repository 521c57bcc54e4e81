/**
 * Searches raw bytes for a text in every encoding a careless implementation might leave it in:
 * UTF-8, UTF-16LE/BE, base64 (all three alignments), base64url and hex (both cases).
 */
function utf16(text: string, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < text.length; i++) dv.setUint16(2 * i, text.charCodeAt(i), littleEndian);
  return out;
}

function base64Variants(bytes: Uint8Array): string[] {
  // A substring's base64 depends on its offset mod 3; take the stable middle of each alignment.
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = new Uint8Array(shift + bytes.length);
    padded.set(bytes, shift);
    const b64 = btoa(String.fromCharCode(...padded));
    const start = Math.ceil((shift * 4) / 3) + 2;
    const core = b64.slice(start, b64.length - 4);
    if (core.length >= 8) out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

export function encodingsOf(text: string): Uint8Array[] {
  const enc = new TextEncoder();
  const u8 = enc.encode(text);
  const hex = [...u8].map((b) => b.toString(16).padStart(2, '0')).join('');
  const strings = [hex, hex.toUpperCase(), ...base64Variants(u8)];
  return [u8, utf16(text, true), utf16(text, false), ...strings.map((s) => enc.encode(s))];
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0];
  outer: for (
    let i = hay.indexOf(first as number);
    i !== -1 && i <= hay.length - needle.length;
    i = hay.indexOf(first as number, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Which of `texts` occur (in any encoding) in any of `blobs`. */
export function findPlaintext(blobs: readonly Uint8Array[], texts: readonly string[]): string[] {
  const found: string[] = [];
  for (const t of texts) {
    if (encodingsOf(t).some((needle) => blobs.some((b) => indexOf(b, needle) !== -1))) found.push(t);
  }
  return found;
}
