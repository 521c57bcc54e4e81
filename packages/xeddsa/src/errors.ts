/** Typed errors of @sotto/xeddsa. Only signing throws (on misuse); verification returns false. */
export type XEdDSAErrorCode = 'InvalidArgument';

export class XEdDSAError extends Error {
  override readonly name = 'XEdDSAError';
  constructor(
    readonly code: XEdDSAErrorCode,
    message: string,
  ) {
    super(message);
  }
}
