/**
 * Carrying a device link (device-link.ts: it holds the identity PRIVATE key) from a device of the
 * account to a new one without ever showing it in the clear. The new device makes a one-use X25519
 * key pair and shows the public half (the request); the existing device seals the link to it; only
 * the new device can open the result, so the sealed link may pass through a clipboard, a chat or a
 * terminal's scrollback. The shape is Signal's provisioning cipher (an ephemeral X25519 agreement,
 * HKDF-SHA256), with AES-256-GCM in place of AES-CBC + HMAC. What it cannot protect against is a
 * swapped request: the user must carry the request from the new device to the old one themselves.
 *
 *   request = 0x01 ‖ requestPublic(32)
 *   sealed  = 0x01 ‖ ephemeralPublic(32) ‖ nonce(12) ‖ AES-256-GCM(key, nonce, link, aad)
 *   key     = HKDF-SHA256(ikm = X25519(ephemeral, requestPublic), salt = ephemeralPublic ‖ requestPublic,
 *                         info = "Sotto device link transfer v1", 32)
 *   aad     = 0x01 ‖ ephemeralPublic ‖ requestPublic
 */
import { gcm } from '@noble/ciphers/aes.js';
import { defaultCrypto } from '@sotto/protocol';
import type { CryptoProvider } from '@sotto/protocol';
import { systemRandomness } from './environment.js';
import type { Randomness } from './environment.js';
import { MessengerError } from './errors.js';

const VERSION = 1;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const LINK_REQUEST_BYTES = 1 + KEY_BYTES;
const SEALED_HEADER_BYTES = 1 + KEY_BYTES + NONCE_BYTES;
/** Far above a real link (under 300 bytes); bounds what a pasted code can make us decrypt. */
const MAX_SEALED_BYTES = 4096;
const INFO = new TextEncoder().encode('Sotto device link transfer v1');

/** The new device's side: `request` to show, `privateKey` to keep in memory only (zeroise after). */
export interface LinkRequest {
  readonly request: Uint8Array;
  readonly privateKey: Uint8Array;
}

export function createLinkRequest(
  random: Randomness = systemRandomness,
  crypto: CryptoProvider = defaultCrypto(),
): LinkRequest {
  const privateKey = random.bytes(KEY_BYTES);
  const request = new Uint8Array(LINK_REQUEST_BYTES);
  request[0] = VERSION;
  request.set(crypto.x25519PublicKey(privateKey), 1);
  return { request, privateKey };
}

/** The existing device's side: `link` (encodeDeviceLink) sealed to the new device's request. */
export function sealDeviceLink(
  link: Uint8Array,
  request: Uint8Array,
  random: Randomness = systemRandomness,
  crypto: CryptoProvider = defaultCrypto(),
): Uint8Array {
  checkRequest(request);
  if (link.length > MAX_SEALED_BYTES - SEALED_HEADER_BYTES - TAG_BYTES)
    throw new MessengerError('InvalidArgument', 'device link too long to seal');
  const requestPublic = request.subarray(1);
  const ephemeral = random.bytes(KEY_BYTES);
  let ephemeralPublic: Uint8Array;
  let key: Uint8Array;
  try {
    ephemeralPublic = crypto.x25519PublicKey(ephemeral);
    key = deriveKey(crypto, ephemeral, requestPublic, ephemeralPublic, requestPublic);
  } finally {
    ephemeral.fill(0);
  }
  const nonce = random.bytes(NONCE_BYTES);
  try {
    const sealed = gcm(key, nonce, aad(ephemeralPublic, requestPublic)).encrypt(link);
    const out = new Uint8Array(SEALED_HEADER_BYTES + sealed.length);
    out[0] = VERSION;
    out.set(ephemeralPublic, 1);
    out.set(nonce, 1 + KEY_BYTES);
    out.set(sealed, SEALED_HEADER_BYTES);
    return out;
  } finally {
    key.fill(0);
  }
}

/** The new device's side again: the link, or InvalidArgument when `sealed` is not for this request. */
export function openDeviceLink(
  sealed: Uint8Array,
  request: LinkRequest,
  crypto: CryptoProvider = defaultCrypto(),
): Uint8Array {
  if (
    sealed.length < SEALED_HEADER_BYTES + TAG_BYTES ||
    sealed.length > MAX_SEALED_BYTES ||
    sealed[0] !== VERSION
  )
    throw new MessengerError('InvalidArgument', 'malformed link code');
  checkRequest(request.request);
  const ephemeralPublic = sealed.subarray(1, 1 + KEY_BYTES);
  const nonce = sealed.subarray(1 + KEY_BYTES, SEALED_HEADER_BYTES);
  const requestPublic = request.request.subarray(1);
  const key = deriveKey(crypto, request.privateKey, ephemeralPublic, ephemeralPublic, requestPublic);
  try {
    return gcm(key, nonce, aad(ephemeralPublic, requestPublic)).decrypt(sealed.subarray(SEALED_HEADER_BYTES));
  } catch (e) {
    throw new MessengerError(
      'InvalidArgument',
      'the link code does not belong to this request, or was altered',
      { cause: e },
    );
  } finally {
    key.fill(0);
  }
}

function checkRequest(request: Uint8Array): void {
  if (request.length !== LINK_REQUEST_BYTES || request[0] !== VERSION)
    throw new MessengerError('InvalidArgument', 'malformed link request');
}

/** X25519 then HKDF. The providers throw on small-order public keys; the zero check backs that up. */
function deriveKey(
  crypto: CryptoProvider,
  privateKey: Uint8Array,
  peerPublic: Uint8Array,
  ephemeralPublic: Uint8Array,
  requestPublic: Uint8Array,
): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = crypto.x25519(privateKey, peerPublic);
  } catch (e) {
    throw new MessengerError('InvalidArgument', 'malformed link key', { cause: e });
  }
  // A low-order public key gives an all-zero secret that any attacker knows (RFC 7748 §6.1).
  if (shared.every((b) => b === 0)) throw new MessengerError('InvalidArgument', 'malformed link key');
  const salt = new Uint8Array(2 * KEY_BYTES);
  salt.set(ephemeralPublic, 0);
  salt.set(requestPublic, KEY_BYTES);
  try {
    return crypto.hkdfSha256(shared, salt, INFO, 32);
  } finally {
    shared.fill(0);
  }
}

function aad(ephemeralPublic: Uint8Array, requestPublic: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + 2 * KEY_BYTES);
  out[0] = VERSION;
  out.set(ephemeralPublic, 1);
  out.set(requestPublic, 1 + KEY_BYTES);
  return out;
}
