// A username typed on the command line (`init --username`, `username set`), checked against the
// relay's own rule (wire's USERNAME_RE) before anything is created or sent: a bad name must not
// leave an account behind (init) or cost a passphrase prompt and a round trip (username set).
import { USERNAME_RE } from '@sotto/wire';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

/** The rule of USERNAME_RE in words, for the error message. */
const RULE = '3 to 32 letters, digits or _, starting with a letter';

/** `raw` without its optional leading @ (others write @name); throws InvalidUsername, exit 2. */
export function parseUsername(raw: string, what: string): string {
  const u = raw.startsWith('@') ? raw.slice(1) : raw;
  // The input is not echoed: it may hold terminal control characters.
  if (!USERNAME_RE.test(u)) throw new CliError('InvalidUsername', `invalid ${what}: ${RULE}`, ExitCode.Usage);
  return u;
}
