// Protocol-level limits. The relay may configure tighter ones; these bound what the codec accepts at all.

/** libsignal device ids are 1..127 (DeviceId in libsignal 0.103). */
export const MIN_DEVICE_ID = 1;
export const MAX_DEVICE_ID = 127;

/** Signal registration ids are 14-bit (1..16380). */
export const MAX_REGISTRATION_ID = 0x3fff;

/** Largest opaque ciphertext in one envelope. Big payloads go through attachments. */
export const MAX_ENVELOPE_CONTENT_BYTES = 64 * 1024;

/** Most envelopes in one SUBMIT (one per recipient device). */
export const MAX_ENVELOPES_PER_SUBMIT = MAX_DEVICE_ID;

/** Largest frame the codec will decode (the relay's ws maxPayload is usually smaller). */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Most seqs in one ACK list. */
export const MAX_ACK_LIST = 1024;

/** Envelope ids are client-chosen random 16 bytes (a retry reuses the id). */
export const ENVELOPE_ID_BYTES = 16;
/** Device secrets are client-chosen random 32 bytes, sent on every auth, stored as a slow hash. */
export const DEVICE_SECRET_BYTES = 32;
/** Curve25519 public keys serialized libsignal-style: 0x05 type byte + 32 bytes. */
export const EC_PUBLIC_KEY_BYTES = 33;
export const EC_KEY_TYPE = 0x05;
/** XEdDSA signatures. */
export const SIGNATURE_BYTES = 64;
/** Kyber1024 public keys serialized libsignal-style: 0x08 type byte + 1568 bytes. */
export const KYBER_PUBLIC_KEY_BYTES = 1569;
export const KYBER_KEY_TYPE = 0x08;
/** Prekey ids are 24-bit in libsignal's medium (we accept 1..2^24-1 for all prekey kinds). */
export const MAX_PREKEY_ID = 0xffffff;
/** Most prekeys of one kind per upload. */
export const MAX_PREKEYS_PER_UPLOAD = 100;

/** Usernames: 3-32 chars of [a-z0-9_], starting with a letter; compared case-insensitively. */
export const USERNAME_RE = /^[a-zA-Z][a-zA-Z0-9_]{2,31}$/;

/** Wire protocol version carried in AUTH. */
export const WIRE_VERSION = 1;
