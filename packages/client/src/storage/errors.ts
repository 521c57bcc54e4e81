/**
 * Typed storage errors with stable string codes (public API: never rename a code). Messages never
 * contain keys, passphrases, plaintext or (unblinded) record keys.
 */
export type StorageErrorCode =
  /** The passphrase did not unwrap the data key (authenticated unwrap failed). */
  | 'WrongPassphrase'
  /** A stored record failed authentication: flipped bytes, or a record moved/swapped to another key. */
  | 'CorruptRecord'
  /** The header record is missing, malformed, or of an unknown version. */
  | 'CorruptHeader'
  /** `create()` on a store that already has a header. */
  | 'AlreadyInitialized'
  /** `open()` on a store without a header. */
  | 'NotInitialized'
  /** The store was locked or closed; keys are zeroised and every operation refuses. */
  | 'Locked'
  /** The backend was closed. */
  | 'Closed'
  /** A caller passed a bad table name, key or value. */
  | 'InvalidArgument'
  /** The underlying database failed (I/O, constraint, busy). */
  | 'BackendFailure';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Narrowing check: `if (StorageError.is(err, 'WrongPassphrase')) …` */
  static is(err: unknown, code?: StorageErrorCode): err is StorageError {
    return err instanceof StorageError && (code === undefined || err.code === code);
  }
}
