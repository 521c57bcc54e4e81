/**
 * Signal message padding, applied to plaintexts before encryption so ciphertext lengths reveal
 * only a 160-byte bucket: append a 0x80 terminator, then zero-fill to a multiple of 160 bytes.
 * (Signal's clients derive the same scheme from "one SMS part" of 160 bytes.) Unpadding is
 * strict: trailing zeros are stripped and the last non-zero byte must be the 0x80 terminator.
 */
import { expectBytes } from './bytes.js';
import { ProtocolError } from './errors.js';

export const PADDING_BLOCK_SIZE = 160;
const TERMINATOR = 0x80;

/** Length of the padded form of an `n`-byte message. */
export function paddedLength(n: number): number {
  return Math.ceil((n + 1) / PADDING_BLOCK_SIZE) * PADDING_BLOCK_SIZE;
}

/** `message || 0x80 || 0x00…` up to the next multiple of 160 bytes (a new array). */
export function padMessage(message: Uint8Array): Uint8Array {
  expectBytes(message, undefined, 'message');
  const out = new Uint8Array(paddedLength(message.length));
  out.set(message);
  out[message.length] = TERMINATOR;
  return out;
}

/**
 * The message inside `padded`: a view (no copy) up to the 0x80 terminator. Throws
 * `ProtocolError('InvalidPadding')` if the last non-zero byte is not 0x80 (or there is none).
 */
export function unpadMessage(padded: Uint8Array): Uint8Array {
  expectBytes(padded, undefined, 'padded message');
  let i = padded.length - 1;
  while (i >= 0 && padded[i] === 0) i--;
  if (i < 0 || padded[i] !== TERMINATOR) throw new ProtocolError('InvalidPadding', 'invalid message padding');
  return padded.subarray(0, i);
}
