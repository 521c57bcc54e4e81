// The text forms of device linking (client link-transfer.ts): the new device's request and the
// sealed link the existing device answers with, as base64url. Pasted by people, so whitespace a
// terminal or a chat window added (line wraps, indentation) is ignored, and anything else is refused
// with exit 2 before any key is used.
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fromBase64Url, toBase64Url } from '@sotto/client';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { queueLines } from './line-queue.js';

export function codeText(bytes: Uint8Array): string {
  return toBase64Url(bytes);
}

/** 64 bits of SHA-256 of a link request, in groups of 4 hex digits: both sides print it to compare. */
export function requestFingerprint(request: Uint8Array): string {
  return createHash('sha256')
    .update(request)
    .digest('hex')
    .slice(0, 16)
    .replace(/(.{4})(?=.)/g, '$1 ');
}

/** Bytes of a pasted code; `what` names it in the error ("link request", "link code"). */
export function parseCode(text: string, what: string, minBytes: number, maxBytes: number): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  const invalid = (why: string) => new CliError('InvalidLinkCode', `invalid ${what}: ${why}`, ExitCode.Usage);
  if (compact.length === 0) throw invalid('it is empty');
  if (!/^[A-Za-z0-9_-]+$/.test(compact)) throw invalid('it has characters a code never has (paste it whole)');
  // Strict: one accepted text per byte string (no dangling character, no stray low bits).
  const bytes = fromBase64Url(compact);
  if (bytes === undefined || bytes.length < minBytes || bytes.length > maxBytes)
    throw invalid('it is cut short or has extra characters');
  return bytes;
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
