/**
 * Fresh key material for an account (libsignal's key generation, through @sotto/protocol): the
 * identity key pair, prekeys signed by it, and Kyber prekeys. Randomness comes from the protocol's
 * CryptoProvider; nothing here touches storage or the network.
 */
import {
  KEMKeyPair,
  KeyPair,
  KyberPreKeyRecord,
  PreKeyRecord,
  PrivateKey,
  SignedPreKeyRecord,
  type CryptoProvider,
} from '@sotto/protocol';

export interface IdentityKeys {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export function generateIdentity(crypto?: CryptoProvider): IdentityKeys {
  const pair = KeyPair.generate(crypto);
  return { publicKey: pair.publicKey.serialize(), privateKey: pair.privateKey.serialize() };
}

/** XEdDSA signature by the identity key (relay registration proofs, prekey signatures). */
export function signWithIdentity(
  identityPrivate: Uint8Array,
  message: Uint8Array,
  crypto?: CryptoProvider,
): Uint8Array {
  return PrivateKey.deserialize(identityPrivate).sign(message, crypto);
}

export function generatePreKeys(firstId: number, count: number, crypto?: CryptoProvider): PreKeyRecord[] {
  const out: PreKeyRecord[] = [];
  for (let i = 0; i < count; i++) {
    const pair = KeyPair.generate(crypto);
    out.push(PreKeyRecord.new(firstId + i, pair.publicKey.serialize(), pair.privateKey.serialize()));
  }
  return out;
}

export function generateSignedPreKey(
  id: number,
  identityPrivate: Uint8Array,
  now: number,
  crypto?: CryptoProvider,
): SignedPreKeyRecord {
  const pair = KeyPair.generate(crypto);
  const pub = pair.publicKey.serialize();
  // libsignal signs the serialised (0x05-prefixed) public key.
  const signature = signWithIdentity(identityPrivate, pub, crypto);
  return SignedPreKeyRecord.new(id, now, pub, pair.privateKey.serialize(), signature);
}

export function generateKyberPreKey(
  id: number,
  identityPrivate: Uint8Array,
  now: number,
  crypto?: CryptoProvider,
): KyberPreKeyRecord {
  const pair = KEMKeyPair.generate(undefined, crypto);
  const pub = pair.getPublicKey().serialize();
  const signature = signWithIdentity(identityPrivate, pub, crypto);
  return KyberPreKeyRecord.new(id, now, pub, pair.getSecretKey().serialize(), signature);
}

/** A random registration id in 1..16383 (libsignal's range; 0 is invalid). */
export function generateRegistrationId(random: (n: number) => Uint8Array): number {
  const b = random(2);
  return (((b[0]! << 8) | b[1]!) % 16383) + 1;
}
