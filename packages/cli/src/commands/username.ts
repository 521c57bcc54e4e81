// `sotto username set NAME` (claim or change this account's @username on the relay) and
// `sotto username clear` (release it). Needed after an init whose username was taken: the account
// exists by then (Messenger.create), and this is how it gets a name.
import type { Command } from 'commander';
import type { CliCommand, CliContext } from '../command.js';
import { print, withHome, withMessenger } from './messenger-session.js';
import { parseUsername } from './username-arg.js';

export const usernameCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    const username = program
      .command('username')
      .description('claim, change or release your @username on the relay');

    withHome(
      username
        .command('set')
        .description('claim a username (or change yours: the old one is released)')
        .argument('<name>', 'the username, with or without a leading @'),
    ).action(async (raw: string, _o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      // Checked before the passphrase prompt and the relay round trip.
      const wanted = parseUsername(raw, 'username');
      await withMessenger(ctx, self, async (m) => {
        // The relay stores it in lower case: print what it stored, which is what others type.
        const stored = await m.setUsername(wanted);
        print(ctx, json, { username: stored }, `Username: @${stored}`);
      });
    });

    withHome(
      username.command('clear').description('release your username (others can then claim it)'),
    ).action(async (_o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      await withMessenger(ctx, self, async (m) => {
        const previous = m.username;
        // Always asked of the relay: another device of this account may have set one meanwhile.
        await m.deleteUsername();
        print(
          ctx,
          json,
          { username: null, released: previous },
          previous === null ? 'No username (none is set now)' : `Released @${previous}`,
        );
      });
    });
  },
};
