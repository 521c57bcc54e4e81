/**
 * Typed protocol errors with stable codes. Codes are part of the public API: never rename one.
 * Messages must never contain key material or plaintext ("logs never contain user data").
 */
export type ProtocolErrorCode =
  | 'InvalidArgument'
  | 'InvalidKey'
  | 'InvalidSignature'
  | 'InvalidMessage'
  | 'InvalidMac'
  | 'DuplicateMessage'
  | 'UntrustedIdentity'
  | 'TooManySkippedKeys'
  | 'UnsupportedVersion'
  | 'LegacyCiphertextVersion'
  | 'NoSession'
  | 'InvalidPreKeyId'
  | 'InvalidSignedPreKeyId'
  | 'InvalidKyberPreKeyId'
  | 'InvalidPadding'
  | 'InvalidSessionRecord'
  | 'SessionExpired'
  | 'FingerprintVersionMismatch'
  | 'FingerprintParsingError';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Narrowing check: `if (isProtocolError(err, 'DuplicateMessage')) …` */
export function isProtocolError(err: unknown, code?: ProtocolErrorCode): err is ProtocolError {
  return err instanceof ProtocolError && (code === undefined || err.code === code);
}
