// Typed storage errors with stable codes. Expected outcomes are returned by the ports as values; these
// are for the exceptional: a closed store, a row that fails validation on read, a bad argument.

export type StoreErrorCode =
  /** The store was closed; the caller is shutting down. */
  | 'Closed'
  /** An argument broke a documented contract (length, range); a caller bug. */
  | 'InvalidArgument'
  /** createAccount with an id that already exists (a UUID collision). */
  | 'AccountExists'
  /** A row read from disk failed validation (corruption or a foreign writer). */
  | 'CorruptRow'
  /** A migration could not be applied, or the schema is newer than this code. */
  | 'Migration';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string = code,
  ) {
    super(message);
  }

  /** Narrows `err` to a StoreError, optionally of one code. */
  static is(err: unknown, code?: StoreErrorCode): err is StoreError {
    return err instanceof StoreError && (code === undefined || err.code === code);
  }
}
