// Stable error codes shared by the relay and its clients. The table in docs/errors.md lists the same
// codes with their HTTP status; never renumber or rename a code once released (clients switch on them).

/** Codes the relay answers with, over HTTP (JSON `{ error: code }`) and in ERROR / SUBMIT_RESULT frames. */
export const RELAY_ERROR_CODES = [
  'BadRequest',
  'BodyTooLarge',
  'UnsupportedMediaType',
  'NotFound',
  'MethodNotAllowed',
  'Unauthorized',
  'Forbidden',
  'AccountNotFound',
  'DeviceNotFound',
  'TooManyDevices',
  'UsernameTaken',
  'UsernameInvalid',
  'UsernameNotFound',
  'InvalidSignature',
  'KeyLimitExceeded',
  'NoSignedPreKey',
  'MismatchedDevices',
  'StaleDevices',
  'QueueFull',
  'RateLimited',
  'AttachmentTooLarge',
  'AttachmentNotFound',
  'MalformedFrame',
  'FrameTooLarge',
  'UnexpectedFrame',
  'AuthRequired',
  'AuthTimeout',
  'UnsupportedVersion',
  'SlowConsumer',
  'ConnectionReplaced',
  'TooManyConnections',
  'ShuttingDown',
  'Unavailable',
  'Internal',
] as const;

export type RelayErrorCode = (typeof RELAY_ERROR_CODES)[number];

const CODE_SET: ReadonlySet<string> = new Set(RELAY_ERROR_CODES);

export function isRelayErrorCode(x: unknown): x is RelayErrorCode {
  return typeof x === 'string' && CODE_SET.has(x);
}

/** HTTP status for each code (the WebSocket reuses the code string, not the status). */
export const HTTP_STATUS: Readonly<Record<RelayErrorCode, number>> = {
  BadRequest: 400,
  BodyTooLarge: 413,
  UnsupportedMediaType: 415,
  NotFound: 404,
  MethodNotAllowed: 405,
  Unauthorized: 401,
  Forbidden: 403,
  AccountNotFound: 404,
  DeviceNotFound: 404,
  TooManyDevices: 409,
  UsernameTaken: 409,
  UsernameInvalid: 400,
  UsernameNotFound: 404,
  InvalidSignature: 400,
  KeyLimitExceeded: 413,
  NoSignedPreKey: 404,
  MismatchedDevices: 409,
  StaleDevices: 410,
  QueueFull: 507,
  RateLimited: 429,
  AttachmentTooLarge: 413,
  AttachmentNotFound: 404,
  MalformedFrame: 400,
  FrameTooLarge: 413,
  UnexpectedFrame: 400,
  AuthRequired: 401,
  AuthTimeout: 408,
  UnsupportedVersion: 400,
  SlowConsumer: 503,
  ConnectionReplaced: 409,
  TooManyConnections: 503,
  ShuttingDown: 503,
  Unavailable: 503,
  Internal: 500,
};

/**
 * WebSocket close codes (application range 4000-4999) the relay uses after an ERROR frame.
 * 4000 + HTTP status, so a client can tell at a glance whether retrying can help.
 */
export function wsCloseCodeFor(code: RelayErrorCode): number {
  return 4000 + HTTP_STATUS[code];
}

/** Reasons a binary frame failed to decode. */
export type WireErrorCode =
  | 'Truncated'
  | 'TrailingBytes'
  | 'UnknownFrameType'
  | 'FrameTooLarge'
  | 'FieldOutOfRange'
  | 'InvalidField'
  | 'InvalidLength';

/** Thrown by the frame codec for any malformed input; the only exception decodeFrame may throw. */
export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly code: WireErrorCode,
    message: string,
  ) {
    super(message);
  }
  static is(err: unknown, code?: WireErrorCode): err is WireError {
    return err instanceof WireError && (code === undefined || err.code === code);
  }
}

/** Error surfaced by the relay client: a relay error code plus the HTTP status when there was one. */
export class RelayError extends Error {
  override readonly name = 'RelayError';
  constructor(
    readonly code: RelayErrorCode | 'NetworkError' | 'BadResponse' | 'Closed' | 'Timeout',
    message: string,
    readonly status?: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
  static is(err: unknown, code?: RelayError['code']): err is RelayError {
    return err instanceof RelayError && (code === undefined || err.code === code);
  }
}
