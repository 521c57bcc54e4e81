/**
 * 16-byte identifiers (message ids, envelope ids) and their hex form used as storage keys.
 */
import type { Randomness } from './environment.js';

export const ID_BYTES = 16;

export function newId(random: Randomness): Uint8Array {
  return random.bytes(ID_BYTES);
}

export function idToHex(id: Uint8Array): string {
  let s = '';
  for (const b of id) s += b.toString(16).padStart(2, '0');
  return s;
}

const HEX32 = /^[0-9a-f]{32}$/;

/** Strict: exactly 32 lower-case hex characters, else undefined. */
export function idFromHex(hex: string): Uint8Array | undefined {
  if (!HEX32.test(hex)) return undefined;
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
