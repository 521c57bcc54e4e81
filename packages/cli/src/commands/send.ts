// `sotto send NAME TEXT`: exits 0 once the relay accepted the message (TEXT "-" reads stdin).
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliCommand, CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { connectionLoss, connectOrFail, print, withHome, withMessenger } from './messenger-session.js';
import { parseSecondsMs } from './seconds-arg.js';

/**
 * How long `send` waits for the relay to accept the message by default. A relay that is connected
 * but frozen (hung process, half-open path) never answers, and the outbox retries a timed-out submit
 * for as long as the connection lasts, so without a bound `send` could wait forever.
 */
export const ACCEPT_TIMEOUT_SECONDS = 30;

const parseTimeout = (v: unknown) =>
  parseSecondsMs(v, '--timeout', (s) => s > 0 && s <= 3600, 'more than 0 and at most 3600 seconds');

/** Rejects with exit 3 after `ms`; the message stays in the outbox. */
function notAcceptedWithin(ms: number): { expired: Promise<never>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new CliError(
          'NotAccepted',
          `the relay did not accept the message within ${ms / 1000} s; it stays queued and goes out with your next sotto send, inbox or chat`,
          ExitCode.Unavailable,
        ),
      );
    }, ms);
  });
  return { expired, cancel: () => clearTimeout(timer) };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export const sendCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    withHome(
      program
        .command('send')
        .description('send a text; exits 0 once the relay has accepted it')
        .argument('<name>', 'contact name')
        .argument('<text>', 'the message ("-" reads it from stdin)')
        .option(
          '--timeout <seconds>',
          'give up (exit 3) if the relay has not accepted it by then; it stays queued',
          String(ACCEPT_TIMEOUT_SECONDS),
        ),
    ).action(async (name: string, textArg: string, _o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      const timeoutMs = parseTimeout(self.opts<{ timeout: string }>().timeout);
      const text = textArg === '-' ? await readStdin() : textArg;
      if (text.length === 0) throw new CliError('EmptyMessage', 'the message is empty', ExitCode.Usage);
      await withMessenger(
        ctx,
        self,
        async (m) => {
          await m.contact(name); // unknown contact: fail before touching the network
          const loss = connectionLoss(m);
          try {
            await connectOrFail(m);
            const sent = await m.send(name, text);
            const deadline = notAcceptedWithin(timeoutMs);
            await Promise.race([sent.accepted, loss.lost, deadline.expired]).finally(deadline.cancel);
            print(
              ctx,
              json,
              { id: sent.id, to: name, state: 'sent', sent: new Date(sent.entry.sentAt).toISOString() },
              `sent ${sent.id}`,
            );
          } finally {
            loss.off();
          }
        },
        name,
      );
    });
  },
};
