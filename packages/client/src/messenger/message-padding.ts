/**
 * Signal padding around the inner content (the protocol's padding.ts: 0x80 then zeros up to a
 * multiple of 160 bytes), so ciphertext lengths reveal only a coarse size class.
 */
import { padMessage, unpadMessage } from '@sotto/protocol';

export function padPlaintext(content: Uint8Array): Uint8Array {
  return padMessage(content);
}

/** Throws the protocol's typed InvalidPadding error on malformed padding. */
export function unpadPlaintext(padded: Uint8Array): Uint8Array {
  return unpadMessage(padded);
}
