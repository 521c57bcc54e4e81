// Errors the CLI shows to people: one line, a stable code, and the exit code to leave with.
import { ExitCode } from './exit-codes.js';
import type { ExitCodeValue } from './exit-codes.js';

export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: string;
  readonly exitCode: ExitCodeValue;

  constructor(code: string, message: string, exitCode: ExitCodeValue = ExitCode.Internal) {
    super(message);
    this.code = code;
    this.exitCode = exitCode;
  }

  static is(err: unknown): err is CliError {
    return err instanceof CliError;
  }
}

/** Error codes from other packages that mean "bad input" rather than "bug". */
const USAGE_CODES = new Set([
  'InvalidConfigValue',
  'UnknownConfigKey',
  'ConfigFileUnreadable',
  'ConfigFileInvalid',
]);

/** System error codes that mean "not available right now" (exit 3), with a friendlier phrase. */
const UNAVAILABLE: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use (choose another --port)',
  EADDRNOTAVAIL: 'address not available on this machine (check --host)',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
  ECONNREFUSED: 'connection refused',
};

/** Maps any thrown value to what the CLI prints and the exit code it leaves with. */
export function describeError(err: unknown): { code: string; message: string; exitCode: ExitCodeValue } {
  if (CliError.is(err)) return { code: err.code, message: err.message, exitCode: err.exitCode };
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'Internal';
  const raw = err instanceof Error ? err.message : String(err);
  const message = oneLine(raw);
  if (USAGE_CODES.has(code)) return { code, message, exitCode: ExitCode.Usage };
  const phrase = UNAVAILABLE[code];
  if (phrase !== undefined) return { code, message: `${phrase}: ${message}`, exitCode: ExitCode.Unavailable };
  return { code, message, exitCode: ExitCode.Internal };
}

function oneLine(s: string): string {
  const first = s.split('\n')[0] ?? '';
  return first.length > 300 ? first.slice(0, 297) + '...' : first;
}
