// RFC 4648 base32, lower case, no padding: case-insensitive and a valid DNS label (AUDIT.md, BOAST).
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Packs `bits` (each 0/1) into base32 characters; bits.length must be a multiple of 5. */
export function bitsToBase32(bits: readonly number[]): string {
  let out = '';
  for (let i = 0; i < bits.length; i += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) v = (v << 1) | (bits[i + j] ?? 0);
    out += ALPHABET[v];
  }
  return out;
}

/** Unpacks base32 characters into bits, or undefined if a character is outside the alphabet. */
export function base32ToBits(text: string): number[] | undefined {
  const bits: number[] = [];
  for (const ch of text.toLowerCase()) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return undefined;
    for (let j = 4; j >= 0; j--) bits.push((v >> j) & 1);
  }
  return bits;
}

export function bytesToBits(bytes: Uint8Array, count: number): number[] {
  const bits: number[] = [];
  for (let i = 0; i < count; i++) bits.push(((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1);
  return bits;
}

export function numberToBits(n: number, count: number): number[] {
  const bits: number[] = [];
  for (let i = count - 1; i >= 0; i--) bits.push(Math.floor(n / 2 ** i) % 2);
  return bits;
}

export function bitsToNumber(bits: readonly number[]): number {
  return bits.reduce((acc, b) => acc * 2 + b, 0);
}
