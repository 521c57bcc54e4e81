// A --flag given in seconds (a decimal number), checked and turned into milliseconds.
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

/** `v` in ms; `inRange` bounds the seconds and `expected` says how, in the exit-2 error. */
export function parseSecondsMs(
  v: unknown,
  flag: string,
  inRange: (seconds: number) => boolean,
  expected: string,
): number {
  const t = typeof v === 'string' ? v.trim() : '';
  if (!/^\d+(\.\d+)?$/.test(t) || !inRange(Number(t)))
    throw new CliError(
      'InvalidFlag',
      `invalid ${flag}: expected ${expected}, got ${JSON.stringify(v)}`,
      ExitCode.Usage,
    );
  return Math.round(Number(t) * 1000);
}
