// The text forms of device linking, defined once in @sotto/client (link-text.ts) for this CLI and the
// web client: the new device's request and the sealed link the existing device answers with. Here:
// a refused paste is exit 2 (before any key is used), and reading a code from standard input.
import { createInterface } from 'node:readline';
import { linkText, parseLinkText } from '@sotto/client';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { queueLines } from './line-queue.js';

export { requestFingerprint } from '@sotto/client';

export const codeText = linkText;

/** Bytes of a pasted code; `what` names it in the error ("link request", "link code"). */
export function parseCode(text: string, what: string, minBytes: number, maxBytes: number): Uint8Array {
  const parsed = parseLinkText(text, minBytes, maxBytes);
  if (!parsed.ok) throw new CliError('InvalidLinkCode', `invalid ${what}: ${parsed.reason}`, ExitCode.Usage);
  return parsed.bytes;
}

/**
 * The first non-empty line of standard input, or null at its end. `prompt` goes to stderr when a
 * person is typing (a terminal), never into piped output.
 */
export async function readCodeLine(prompt: string): Promise<string | null> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines = queueLines(rl);
  if (process.stdin.isTTY) process.stderr.write(prompt);
  try {
    for (;;) {
      const line = await lines.next();
      if (line === null || line.trim() !== '') return line;
    }
  } finally {
    rl.close();
  }
}
