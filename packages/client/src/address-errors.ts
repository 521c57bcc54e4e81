/**
 * Typed errors for addresses (`sotto:` URIs). Stable codes; messages never echo the input.
 */
export type AddressErrorCode = 'MalformedAddress';

export class AddressError extends Error {
  override readonly name = 'AddressError';
  constructor(
    readonly code: AddressErrorCode,
    message: string,
  ) {
    super(message);
  }

  static is(err: unknown, code?: AddressErrorCode): err is AddressError {
    return err instanceof AddressError && (code === undefined || err.code === code);
  }
}
