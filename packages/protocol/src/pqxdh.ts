/**
 * PQXDH key agreement (libsignal `rust/protocol/src/pqxdh.rs`; Signal's PQXDH spec):
 * IKM = 0xFF×32 || DH(IK_A, SPK_B) || DH(EK_A, IK_B) || DH(EK_A, SPK_B) [|| DH(EK_A, OPK_B)] || SS_kem,
 * HKDF-SHA256(salt none, IKM, "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024", 96)
 * → root key || chain key || SPQR auth key.
 */
import { utf8, zeroize } from './bytes.js';
import type { CryptoProvider } from './crypto-provider.js';
import { ProtocolError } from './errors.js';
import { agree } from './dh.js';
import { isCanonicalPublicKey } from './curve.js';
import { kemDecapsulate, kemEncapsulate } from './kyber.js';

const PQXDH_INFO = utf8('WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024');
const DISCONTINUITY = new Uint8Array(32).fill(0xff);

export interface HandshakeKeys {
  rootKey: Uint8Array;
  chainKey: Uint8Array;
  spqrAuthKey: Uint8Array;
}

function derive(crypto: CryptoProvider, parts: Uint8Array[]): HandshakeKeys {
  let n = 0;
  for (const p of parts) n += p.length;
  const ikm = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    ikm.set(p, o);
    o += p.length;
  }
  const okm = crypto.hkdfSha256(ikm, undefined, PQXDH_INFO, 96);
  zeroize(ikm, ...parts.slice(1));
  return { rootKey: okm.slice(0, 32), chainKey: okm.slice(32, 64), spqrAuthKey: okm.slice(64, 96) };
}

export interface InitiatorParams {
  ourIdentityPrivate: Uint8Array;
  ourBasePrivate: Uint8Array;
  theirIdentityKey: Uint8Array;
  theirSignedPreKey: Uint8Array;
  theirOneTimePreKey: Uint8Array | undefined;
  theirKyberPreKey: Uint8Array;
  /** Override of the KEM (negative-control tests only: e.g. raw ML-KEM must NOT interoperate). */
  encapsulate?: ((publicKey: Uint8Array) => { sharedSecret: Uint8Array; ciphertext: Uint8Array }) | undefined;
}

/** Alice's side: returns the handshake keys and the KEM ciphertext for Bob. */
export function pqxdhInitiate(
  crypto: CryptoProvider,
  p: InitiatorParams,
): { keys: HandshakeKeys; kyberCiphertext: Uint8Array } {
  const parts = [
    DISCONTINUITY,
    agree(crypto, p.ourIdentityPrivate, p.theirSignedPreKey),
    agree(crypto, p.ourBasePrivate, p.theirIdentityKey),
    agree(crypto, p.ourBasePrivate, p.theirSignedPreKey),
  ];
  if (p.theirOneTimePreKey) parts.push(agree(crypto, p.ourBasePrivate, p.theirOneTimePreKey));
  const { sharedSecret, ciphertext } = p.encapsulate
    ? p.encapsulate(p.theirKyberPreKey)
    : kemEncapsulate(p.theirKyberPreKey, crypto);
  parts.push(sharedSecret);
  return { keys: derive(crypto, parts), kyberCiphertext: ciphertext };
}

export interface RecipientParams {
  ourIdentityPrivate: Uint8Array;
  ourSignedPreKeyPrivate: Uint8Array;
  ourOneTimePreKeyPrivate: Uint8Array | undefined;
  ourKyberSecretKey: Uint8Array;
  theirIdentityKey: Uint8Array;
  theirBaseKey: Uint8Array;
  kyberCiphertext: Uint8Array;
}

/** Bob's side. Rejects a non-canonical base key before any computation (libsignal `pqxdh_accept`). */
export function pqxdhAccept(crypto: CryptoProvider, p: RecipientParams): HandshakeKeys {
  if (!isCanonicalPublicKey(p.theirBaseKey)) {
    throw new ProtocolError('InvalidMessage', 'incoming base key is invalid');
  }
  const parts = [
    DISCONTINUITY,
    agree(crypto, p.ourSignedPreKeyPrivate, p.theirIdentityKey),
    agree(crypto, p.ourIdentityPrivate, p.theirBaseKey),
    agree(crypto, p.ourSignedPreKeyPrivate, p.theirBaseKey),
  ];
  if (p.ourOneTimePreKeyPrivate) parts.push(agree(crypto, p.ourOneTimePreKeyPrivate, p.theirBaseKey));
  parts.push(kemDecapsulate(p.ourKyberSecretKey, p.kyberCiphertext));
  return derive(crypto, parts);
}
