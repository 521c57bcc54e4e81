/**
 * Typed messenger errors with stable string codes (part of the public API: never rename a code).
 * Messages never contain plaintext, keys or tokens. UIs switch on `code`, never on `message`.
 */
import { StorageError } from '../storage/errors.js';

export type MessengerErrorCode =
  /** The contact's identity key changed; sending stops until `acceptIdentity(contact)`. */
  | 'IdentityChanged'
  /** The relay's identity key for an address does not match the key in the `sotto:` address. */
  | 'IdentityMismatch'
  | 'UnknownContact'
  | 'ContactExists'
  | 'InvalidAddress'
  | 'InvalidUsername'
  | 'UsernameNotFound'
  | 'UsernameTaken'
  /** A scanned safety-number code does not match ours (or is malformed). */
  | 'VerificationFailed'
  /** Inner content failed strict decoding. */
  | 'InvalidContent'
  /** A received envelope was rejected (tampered, forged, bad MAC, unsupported version…). */
  | 'DecryptFailed'
  /** Wrong passphrase / local state cannot be unlocked. */
  | 'WrongPassphrase'
  | 'NoAccount'
  | 'AccountExists'
  | 'NotConnected'
  | 'RelayUnreachable'
  | 'RelayRejected'
  /** The relay served a prekey bundle that fails its signature or shape checks. */
  | 'BadBundle'
  | 'MessageTooLong'
  | 'Closed'
  /** Local storage failed (transient: envelopes are not acked and come again). */
  | 'StorageFailed'
  | 'InvalidArgument';

export class MessengerError extends Error {
  override readonly name = 'MessengerError';
  constructor(
    readonly code: MessengerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Narrowing check: `if (MessengerError.is(err, 'IdentityChanged')) …` */
  static is(err: unknown, code?: MessengerErrorCode): err is MessengerError {
    return err instanceof MessengerError && (code === undefined || err.code === code);
  }
}

/**
 * The MessengerError for a failure to create or open the local encrypted store (the Node store in
 * `Messenger`, the browser's WebCryptoStore in @sotto/web): a MessengerError passes through.
 */
export function storeOpenFailure(e: unknown): MessengerError {
  if (MessengerError.is(e)) return e;
  if (StorageError.is(e, 'WrongPassphrase'))
    return new MessengerError('WrongPassphrase', 'wrong passphrase', { cause: e });
  if (StorageError.is(e, 'NotInitialized'))
    return new MessengerError('NoAccount', 'no account here', { cause: e });
  if (StorageError.is(e, 'AlreadyInitialized'))
    return new MessengerError('AccountExists', 'an account already exists here', { cause: e });
  return new MessengerError('StorageFailed', 'cannot open local state', { cause: e });
}
