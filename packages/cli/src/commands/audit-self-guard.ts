// What keeps `sotto audit self` from hanging or leaving files behind. QA saw a run hang for 21
// minutes while creating its throwaway accounts, and a SIGTERM then left its temp directories
// (the audit dir, the accounts' homes and the throwaway relay's data) in /tmp:
// - every temp directory of the run lives under ONE private scratch directory (os.tmpdir() points
//   there for the run), removed when the run ends and at once on SIGINT/SIGTERM, which end the
//   command (exit 130; the process exit closes the listener and the throwaway relay);
// - opening the subject (throwaway relay, two accounts, contacts) has a deadline: past it the run
//   fails with exit 3 instead of waiting on a relay that does not answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SottoChannel } from '@sotto/audit';
import type { Channel, SubjectFactoryInput } from '@sotto/audit';
import { CliError } from '../cli-error.js';
import type { CliIO } from '../io.js';
import { ExitCode } from '../exit-codes.js';

/** Default bound on setting up the throwaway accounts (a normal run needs a few seconds). */
export const SETUP_TIMEOUT_MS = 60_000;

/**
 * Runs `fn` with os.tmpdir() redirected to a fresh private directory (TMPDIR, which os.tmpdir()
 * reads on every call), removed afterwards, or at once when a signal arrives: then the returned
 * promise rejects with exit 130 without waiting for `fn` (which the process exit then ends).
 */
export async function withScratchTmp<T>(io: CliIO, fn: () => Promise<T>): Promise<T> {
  const scratch = mkdtempSync(join(tmpdir(), 'sotto-audit-run-'));
  const saved = process.env['TMPDIR'];
  process.env['TMPDIR'] = scratch;
  const restore = () => {
    if (process.env['TMPDIR'] !== scratch) return;
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
  };
  const remove = () => rmSync(scratch, { recursive: true, force: true });
  let interrupt: (e: CliError) => void = () => undefined;
  const interrupted = new Promise<never>((_, reject) => (interrupt = reject));
  const off = io.onSignal((signal) => {
    // Synchronously, before anything else runs: the rejection below ends the process.
    restore();
    remove();
    interrupt(
      new CliError(
        'Interrupted',
        `interrupted by ${signal}; the run's temporary files were removed`,
        ExitCode.Interrupted,
      ),
    );
  });
  const run = fn();
  // Abandoned after a signal: its late failure is not a crash.
  run.catch(() => undefined);
  try {
    return await Promise.race([run, interrupted]);
  } finally {
    off();
    restore();
    remove();
  }
}

/** Sotto as the subject (as runSelfAudit opens it by default), failing after `timeoutMs`. */
export function sottoSubjectWithin(timeoutMs: number): (input: SubjectFactoryInput) => Promise<Channel> {
  return ({ relayUrl, onRelay }) => {
    const opening = SottoChannel.open({ ...(relayUrl !== undefined ? { relayUrl } : {}), onRelay });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Should it still finish, close it: nobody else holds it any more.
        opening
          .then(
            (c) => c.close(),
            () => undefined,
          )
          .catch(() => undefined);
        reject(
          new CliError(
            'SetupTimeout',
            `the two throwaway accounts were not set up within ${timeoutMs / 1000} s` +
              (relayUrl !== undefined ? ` (is the relay at ${relayUrl} answering?)` : ''),
            ExitCode.Unavailable,
          ),
        );
      }, timeoutMs);
    });
    return Promise.race([opening, late]).finally(() => clearTimeout(timer));
  };
}
