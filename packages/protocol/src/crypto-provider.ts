/**
 * The small set of primitives whose speed matters, behind one interface so Node can use
 * node:crypto and a browser WebCrypto, with @noble/* as the portable default.
 *
 * All functions are synchronous: the Double Ratchet runs them per message, and an async
 * provider would force every store and cipher call through promises for no gain in Node.
 * (WebCrypto is async-only; a browser provider therefore wraps noble for the hot path and may use
 * WebCrypto for bulk work — see docs/protocol.md.)
 *
 * Every implementation must pass the provider conformance test in test/crypto-provider.test.ts.
 */
export interface CryptoProvider {
  readonly name: string;
  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  sha512(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-SHA256 (RFC 5869). An empty/undefined salt means HashLen zero bytes, as in the RFC. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array;
  /** AES-256-CBC with PKCS#7 padding. */
  aes256CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** AES-256-CBC with PKCS#7 padding; throws ProtocolError('InvalidMessage') on bad padding/length. */
  aes256CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /** X25519 scalar multiplication with a 32-byte private scalar and 32-byte public u-coordinate. */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** X25519 public key for a 32-byte private scalar. */
  x25519PublicKey(privateKey: Uint8Array): Uint8Array;
  /**
   * Optional fast strict Ed25519 (RFC 8032, cofactorless) verification: XEdDSA verification uses it
   * for its double scalar multiplication when present (see @sotto/xeddsa). Must return false,
   * never throw, on malformed input.
   */
  readonly ed25519Verify?:
    ((publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean) | undefined;
}
