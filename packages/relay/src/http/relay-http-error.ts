import type { RelayErrorCode } from '@sotto/wire';

/** Thrown inside route handlers; turned into `{ error: code }` with the documented HTTP status. */
export class RelayHttpError extends Error {
  override readonly name = 'RelayHttpError';
  constructor(
    readonly code: RelayErrorCode,
    message: string = code,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
