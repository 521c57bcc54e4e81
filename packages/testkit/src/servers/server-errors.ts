// A throwaway server could not be found or started. Tests that need PostgreSQL or Redis FAIL with this
// (never skip): the message says how to install what is missing.

export type ServerErrorCode = 'BinaryMissing' | 'StartFailed';

export const INSTALL_HINT =
  'the scale tests need PostgreSQL and Redis server binaries: run `apt-get install -y postgresql redis-server` ' +
  '(Debian/Ubuntu; .ci/run does this), or set SOTTO_PG_BIN to a directory holding initdb and postgres';

export class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(
    readonly code: ServerErrorCode,
    message: string,
  ) {
    super(message);
  }
}
