// `sotto send NAME TEXT`: exits 0 once the relay accepted the message (TEXT "-" reads stdin).
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliCommand, CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { connectionLoss, connectOrFail, print, withHome, withMessenger } from './messenger-session.js';

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
        .argument('<text>', 'the message ("-" reads it from stdin)'),
    ).action(async (name: string, textArg: string, _o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
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
            await Promise.race([sent.accepted, loss.lost]);
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
