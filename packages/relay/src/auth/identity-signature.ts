// The one place the relay checks an identity-key signature (registration, add-device, prekeys).
// XEdDSA over Curve25519 as libsignal does it, via @sotto/xeddsa (no protocol code in the relay).
import { EC_KEY_TYPE, EC_PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '@sotto/wire';
import { xeddsaVerify } from '@sotto/xeddsa';

/** True iff `signature` is a valid XEdDSA signature of `message` by the 33-byte (0x05-prefixed) key. */
export function verifyIdentitySignature(
  identityKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (identityKey.length !== EC_PUBLIC_KEY_BYTES || identityKey[0] !== EC_KEY_TYPE) return false;
  if (signature.length !== SIGNATURE_BYTES) return false;
  try {
    return xeddsaVerify(identityKey.subarray(1), message, signature);
  } catch {
    return false;
  }
}
