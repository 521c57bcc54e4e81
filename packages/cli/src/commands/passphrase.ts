// The passphrase: SOTTO_PASSPHRASE, else a no-echo prompt on the terminal. Without either (a
// script with no terminal) the command refuses instead of hanging.
import { CliError } from '../cli-error.js';
import type { CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';

export async function readPassphrase(ctx: CliContext, opts: { confirm: boolean }): Promise<string> {
  const fromEnv = ctx.io.env['SOTTO_PASSPHRASE'];
  if (fromEnv !== undefined) {
    if (fromEnv === '') throw new CliError('NoPassphrase', 'SOTTO_PASSPHRASE is empty', ExitCode.Usage);
    return fromEnv;
  }
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new CliError(
      'NoPassphrase',
      'no passphrase: set SOTTO_PASSPHRASE or run in a terminal to be prompted',
      ExitCode.Usage,
    );
  }
  const first = await promptHidden('Passphrase: ');
  if (first === '') throw new CliError('NoPassphrase', 'empty passphrase', ExitCode.Usage);
  if (opts.confirm && (await promptHidden('Repeat passphrase: ')) !== first) {
    throw new CliError('NoPassphrase', 'the passphrases do not match', ExitCode.Usage);
  }
  return first;
}

/** Reads one line from the TTY in raw mode, echoing nothing. Ctrl-C aborts (exit 130). */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let text = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') {
          return finish(new CliError('Interrupted', 'interrupted', ExitCode.Interrupted));
        }
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else if (ch >= ' ') text += ch;
      }
    };
    stdin.on('data', onData);
  });
}
