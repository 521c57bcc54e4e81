// Typed audit errors with stable codes (STYLE.md §4): callers narrow on `code`, users never see stacks.
export type AuditErrorCode =
  | 'BadToken'
  | 'BadKey'
  | 'BadRecord'
  | 'BadOption'
  | 'NotLoopback'
  | 'NoDatabase'
  | 'ListenerClosed'
  | 'NotDelivered'
  | 'EgressBlocked';

export class AuditError extends Error {
  readonly code: AuditErrorCode;
  constructor(code: AuditErrorCode, message: string) {
    super(message);
    this.name = 'AuditError';
    this.code = code;
  }
}

/** Narrows an unknown error to an AuditError with the given code. */
export function isAuditError(err: unknown, code?: AuditErrorCode): err is AuditError {
  return err instanceof AuditError && (code === undefined || err.code === code);
}
