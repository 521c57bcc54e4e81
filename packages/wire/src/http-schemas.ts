// JSON bodies of the relay's HTTP API (zod 4). Binary fields are padded standard base64 strings whose
// DECODED length is checked exactly, so a body that parses has correctly sized keys and signatures.
// Both sides use these: the relay parses requests, the client parses responses (never trust either).
import { z } from 'zod';
import { base64DecodedLength, fromBase64, isUuid } from './bytes.js';
import { RELAY_ERROR_CODES } from './errors.js';
import {
  DEVICE_SECRET_BYTES,
  EC_KEY_TYPE,
  EC_PUBLIC_KEY_BYTES,
  ENVELOPE_ID_BYTES,
  KYBER_KEY_TYPE,
  KYBER_PUBLIC_KEY_BYTES,
  MAX_DEVICE_ID,
  MAX_ENVELOPE_CONTENT_BYTES,
  MAX_ENVELOPES_PER_SUBMIT,
  MAX_PREKEY_ID,
  MAX_PREKEYS_PER_UPLOAD,
  MAX_REGISTRATION_ID,
  MIN_DEVICE_ID,
  SIGNATURE_BYTES,
  USERNAME_RE,
} from './limits.js';

/** Base64 of exactly `n` decoded bytes (optionally with a required first byte, e.g. a key type). */
export function b64Exact(n: number, firstByte?: number) {
  return z
    .string()
    .max(Math.ceil(n / 3) * 4)
    .refine(
      (s) => {
        if (base64DecodedLength(s) !== n) return false;
        const b = fromBase64(s);
        return b !== undefined && (firstByte === undefined || b[0] === firstByte);
      },
      {
        message: `expected base64 of ${n} bytes${firstByte === undefined ? '' : ` starting 0x${firstByte.toString(16)}`}`,
      },
    );
}

/** Base64 of at most `max` decoded bytes. */
export function b64Max(max: number) {
  return z
    .string()
    .max(Math.ceil(max / 3) * 4)
    .refine((s) => {
      const n = base64DecodedLength(s);
      return n >= 0 && n <= max && fromBase64(s) !== undefined;
    }, `expected base64 of at most ${max} bytes`);
}

export const AccountIdSchema = z.string().refine(isUuid, 'expected a lower-case UUID');
export const DeviceIdSchema = z.number().int().min(MIN_DEVICE_ID).max(MAX_DEVICE_ID);
export const RegistrationIdSchema = z.number().int().min(1).max(MAX_REGISTRATION_ID);
export const PreKeyIdSchema = z.number().int().min(1).max(MAX_PREKEY_ID);
export const UsernameSchema = z
  .string()
  .regex(USERNAME_RE, 'expected 3-32 of [A-Za-z0-9_], starting with a letter');
export const EcPublicKeySchema = b64Exact(EC_PUBLIC_KEY_BYTES, EC_KEY_TYPE);
export const KyberPublicKeySchema = b64Exact(KYBER_PUBLIC_KEY_BYTES, KYBER_KEY_TYPE);
export const SignatureSchema = b64Exact(SIGNATURE_BYTES);
export const DeviceSecretSchema = b64Exact(DEVICE_SECRET_BYTES);
export const EnvelopeIdSchema = b64Exact(ENVELOPE_ID_BYTES);
export const ErrorCodeSchema = z.enum(RELAY_ERROR_CODES);

// ---- accounts ----

/** POST /v1/accounts. `signature` = XEdDSA(identity key, registrationMessage(...)). */
export const RegisterRequestSchema = z.strictObject({
  identityKey: EcPublicKeySchema,
  registrationId: RegistrationIdSchema,
  deviceSecret: DeviceSecretSchema,
  signature: SignatureSchema,
});
export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;

/** POST /v1/accounts/{accountId}/devices. `signature` = XEdDSA(identity key, addDeviceMessage(...)). */
export const AddDeviceRequestSchema = z.strictObject({
  registrationId: RegistrationIdSchema,
  deviceSecret: DeviceSecretSchema,
  signature: SignatureSchema,
});
export type AddDeviceRequest = z.infer<typeof AddDeviceRequestSchema>;

/** Answer to register and add-device: the credentials are `${accountId}.${deviceId}` + the secret. */
export const DeviceCreatedResponseSchema = z.strictObject({
  accountId: AccountIdSchema,
  deviceId: DeviceIdSchema,
});
export type DeviceCreatedResponse = z.infer<typeof DeviceCreatedResponseSchema>;

/** GET /v1/accounts/me */
export const WhoAmIResponseSchema = z.strictObject({
  accountId: AccountIdSchema,
  deviceId: DeviceIdSchema,
  /** Checked like a request's username: a relay's answer is untrusted input (it names contacts). */
  username: UsernameSchema.nullable(),
  devices: z.array(DeviceIdSchema).max(MAX_DEVICE_ID),
});
export type WhoAmIResponse = z.infer<typeof WhoAmIResponseSchema>;

/** GET /v1/accounts/{accountId} and GET /v1/usernames/{username} */
export const AccountResponseSchema = z.strictObject({
  accountId: AccountIdSchema,
  identityKey: EcPublicKeySchema,
  username: UsernameSchema.nullable(),
  devices: z.array(DeviceIdSchema).max(MAX_DEVICE_ID),
});
export type AccountResponse = z.infer<typeof AccountResponseSchema>;

/** PUT /v1/accounts/me/username */
export const SetUsernameRequestSchema = z.strictObject({ username: UsernameSchema });
export type SetUsernameRequest = z.infer<typeof SetUsernameRequestSchema>;
/** The stored (lower-case) form. */
export const UsernameResponseSchema = z.strictObject({ username: UsernameSchema });
export type UsernameResponse = z.infer<typeof UsernameResponseSchema>;

// ---- keys ----

export const PreKeySchema = z.strictObject({ keyId: PreKeyIdSchema, publicKey: EcPublicKeySchema });
export type PreKey = z.infer<typeof PreKeySchema>;
/** Signed prekey: signature over the 33-byte serialized public key (libsignal). */
export const SignedPreKeySchema = z.strictObject({
  keyId: PreKeyIdSchema,
  publicKey: EcPublicKeySchema,
  signature: SignatureSchema,
});
export type SignedPreKey = z.infer<typeof SignedPreKeySchema>;
/** Kyber prekey: signature over the 1569-byte serialized Kyber1024 public key (libsignal). */
export const KyberPreKeySchema = z.strictObject({
  keyId: PreKeyIdSchema,
  publicKey: KyberPublicKeySchema,
  signature: SignatureSchema,
});
export type KyberPreKey = z.infer<typeof KyberPreKeySchema>;

/** PUT /v1/keys: any subset; one-time keys are added to the pool, signed/last-resort keys replace. */
export const UploadKeysRequestSchema = z
  .strictObject({
    signedPreKey: SignedPreKeySchema.optional(),
    preKeys: z.array(PreKeySchema).max(MAX_PREKEYS_PER_UPLOAD).optional(),
    kyberPreKeys: z.array(KyberPreKeySchema).max(MAX_PREKEYS_PER_UPLOAD).optional(),
    kyberLastResort: KyberPreKeySchema.optional(),
  })
  .refine(
    (b) =>
      b.signedPreKey !== undefined ||
      (b.preKeys?.length ?? 0) > 0 ||
      (b.kyberPreKeys?.length ?? 0) > 0 ||
      b.kyberLastResort !== undefined,
    'upload at least one key',
  );
export type UploadKeysRequest = z.infer<typeof UploadKeysRequestSchema>;

/** GET /v1/keys/count */
export const KeyCountsResponseSchema = z.strictObject({
  preKeys: z.number().int().min(0),
  kyberPreKeys: z.number().int().min(0),
  signedPreKeyId: PreKeyIdSchema.nullable(),
  kyberLastResortId: PreKeyIdSchema.nullable(),
});
export type KeyCountsResponse = z.infer<typeof KeyCountsResponseSchema>;

export const BundleDeviceSchema = z.strictObject({
  deviceId: DeviceIdSchema,
  registrationId: RegistrationIdSchema,
  signedPreKey: SignedPreKeySchema,
  /** A one-time EC prekey, handed out once; null when the pool is empty. */
  preKey: PreKeySchema.nullable(),
  /** A one-time Kyber prekey, or the last-resort one when the pool is empty (lastResort: true). */
  kyberPreKey: KyberPreKeySchema.extend({ lastResort: z.boolean() }),
});
export type BundleDevice = z.infer<typeof BundleDeviceSchema>;

/** GET /v1/keys/{accountId}/{deviceId | "*"} */
export const PreKeyBundleResponseSchema = z.strictObject({
  accountId: AccountIdSchema,
  identityKey: EcPublicKeySchema,
  devices: z.array(BundleDeviceSchema).max(MAX_DEVICE_ID),
});
export type PreKeyBundleResponse = z.infer<typeof PreKeyBundleResponseSchema>;

// ---- messages ----

export const EnvelopeJsonSchema = z.strictObject({
  deviceId: DeviceIdSchema,
  registrationId: RegistrationIdSchema,
  envelopeId: EnvelopeIdSchema,
  envelopeType: z.number().int().min(0).max(255),
  content: b64Max(MAX_ENVELOPE_CONTENT_BYTES),
});
export type EnvelopeJson = z.infer<typeof EnvelopeJsonSchema>;

/** PUT /v1/messages/{accountId}: one envelope per recipient device (HTTP equivalent of SUBMIT). */
export const SubmitRequestSchema = z.strictObject({
  envelopes: z
    .array(EnvelopeJsonSchema)
    .min(1)
    .max(MAX_ENVELOPES_PER_SUBMIT)
    .refine((es) => new Set(es.map((e) => e.deviceId)).size === es.length, 'duplicate deviceId'),
});
export type SubmitRequest = z.infer<typeof SubmitRequestSchema>;

/** Same shape as the SUBMIT_RESULT frame (minus type/requestId). 200, or 409/410 with the lists. */
export const SubmitResponseSchema = z.strictObject({
  error: ErrorCodeSchema.nullable(),
  missingDevices: z.array(DeviceIdSchema),
  extraDevices: z.array(DeviceIdSchema),
  staleDevices: z.array(DeviceIdSchema),
  results: z.array(
    z.strictObject({ deviceId: DeviceIdSchema, status: z.union([z.literal('Accepted'), ErrorCodeSchema]) }),
  ),
});
export type SubmitResponse = z.infer<typeof SubmitResponseSchema>;

// ---- attachments ----

/** Attachment ids: 32 lower-case hex chars (16 random bytes). */
export const AttachmentIdSchema = z.string().regex(/^[0-9a-f]{32}$/);
/** POST /v1/attachments (raw application/octet-stream body) */
export const AttachmentCreatedResponseSchema = z.strictObject({
  attachmentId: AttachmentIdSchema,
  expiresAt: z.number().int().min(0),
});
export type AttachmentCreatedResponse = z.infer<typeof AttachmentCreatedResponseSchema>;

// ---- misc ----

/** Every non-2xx JSON body. `message` is a short human hint, never user data. */
export const ErrorResponseSchema = z.looseObject({
  error: ErrorCodeSchema,
  message: z.string().optional(),
});
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

/** GET /healthz */
export const HealthResponseSchema = z.strictObject({ status: z.enum(['ok', 'unavailable']) });
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** Parses `unknown` with a schema; returns a result rather than throwing (expected outcome). */
export function parseUnknown<T>(
  schema: z.ZodType<T>,
  data: unknown,
): { ok: true; value: T } | { ok: false; issues: string } {
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    issues: r.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; '),
  };
}
