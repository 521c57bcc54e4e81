// `sotto history NAME [--limit N]`: the stored conversation, oldest first (offline).
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliCommand, CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { messageJson, messageLine } from './message-format.js';
import { withHome, withMessenger } from './messenger-session.js';

export const historyCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    withHome(
      program
        .command('history')
        .description('show the conversation with a contact (--json: one object per line)')
        .argument('<name>', 'contact name')
        .option('--limit <n>', 'how many of the latest messages', '50'),
    ).action(async (name: string, _o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      const raw = self.opts<{ limit: string }>().limit;
      if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 100_000) {
        throw new CliError(
          'InvalidFlag',
          `invalid --limit: expected 1..100000, got ${JSON.stringify(raw)}`,
          ExitCode.Usage,
        );
      }
      await withMessenger(ctx, self, async (m) => {
        const c = await m.contact(name);
        for (const e of await m.history(name, Number(raw))) {
          ctx.io.stdout((json ? JSON.stringify(messageJson(c.name, e)) : messageLine(c.name, e)) + '\n');
        }
      });
    });
  },
};
