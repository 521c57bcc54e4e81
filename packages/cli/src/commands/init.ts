// `sotto init --server URL [--name NAME] [--username U]`: create the account in the home directory
// (a taken username is reported after the account exists: `sotto username set` finishes the job).
// `sotto init --link [--name NAME]`: make this home a new device of an existing account (init-link.ts).
import type { Command } from 'commander';
import { AddressError, normaliseRelayUrl } from '@sotto/client';
import { CliError } from '../cli-error.js';
import type { CliCommand, CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { Messenger } from '@sotto/client';
import {
  accountSummary,
  createMessenger,
  homeDir,
  print,
  stateFileStatus,
  toCliError,
  withHome,
} from './messenger-session.js';
import { writeDisplayName } from './profile.js';
import { parseUsername } from './username-arg.js';
import { initByLink } from './init-link.js';

export const initCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    withHome(
      program
        .command('init')
        .description(
          'create an account on a relay and print its address (or, with --link, link this home to yours)',
        )
        .option('--server <url>', 'the relay URL, e.g. http://127.0.0.1:8787 (not with --link)')
        .option(
          '--link',
          'make this home a new device of an account you have elsewhere: shows a request for `sotto devices link`, then reads the code it prints',
        )
        .option('--name <name>', 'your display name, kept in this home only')
        .option(
          '--username <u>',
          'claim a username (3-32 letters, digits or _, first a letter) so others can add you as @u; ' +
            'if it is taken the account is still created: then run sotto username set NAME',
        ),
    ).action(async (_o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      const o = self.opts<{ server?: string; link?: boolean; name?: string; username?: string }>();
      const usage = (m: string) => new CliError('InvalidFlag', m, ExitCode.Usage);
      if (o.link === true && o.server !== undefined)
        throw usage('--link takes the relay from the other device: leave out --server');
      if (o.link === true && o.username !== undefined)
        throw usage('--link joins an account that has its username already: leave out --username');
      if (o.link !== true && o.server === undefined)
        throw usage(
          "required option '--server <url>' not specified (or --link, to link this home to your account)",
        );
      checkName(o.name);
      // Before anything is created: a bad name used to fail only after the account existed.
      const username = o.username === undefined ? undefined : parseUsername(o.username, '--username');
      const home = homeDir(ctx, self);
      if (stateFileStatus(home) === 'present') {
        throw new CliError('AccountExists', `an account already exists in ${home}`, ExitCode.Usage);
      }
      if (o.link === true) return initByLink(ctx, home, json, o.name);
      let relayUrl: string;
      try {
        relayUrl = normaliseRelayUrl(o.server!);
      } catch (e) {
        if (AddressError.is(e)) {
          throw new CliError(
            'InvalidServer',
            `invalid --server: ${e.message.replace(/^malformed address: /, '')}`,
            ExitCode.Usage,
          );
        }
        throw e;
      }
      const m = await createMessenger(ctx, home, { relayUrl });
      try {
        if (o.name !== undefined) writeDisplayName(home, o.name);
        if (username !== undefined) await claimUsername(m, username, home);
        const data = accountSummary(m, home);
        print(
          ctx,
          json,
          data,
          `Account created in ${home}\n` +
            (m.username ? `Username: @${m.username}\n` : '') +
            `Your address (share it, or show it as a QR code with: sotto qr):\n${m.address}`,
        );
      } catch (e) {
        throw toCliError(e, home, { serverFlag: true });
      } finally {
        await m.close();
      }
    });
  },
};

/** --name: checked before anything is created. */
function checkName(name: string | undefined): void {
  if (name !== undefined && (name.length === 0 || name.length > 64 || /[\p{Cc}]/u.test(name))) {
    throw new CliError(
      'InvalidFlag',
      'invalid --name: 1 to 64 characters, no control characters',
      ExitCode.Usage,
    );
  }
}

/**
 * Claims the username of a just-created account. The relay can only say "taken" once the account
 * exists (Messenger.create documents the same), so a failure here says that the account WAS created
 * and how to finish, keeping the exit code of the cause (taken: 2, relay gone: 3).
 */
async function claimUsername(m: Messenger, username: string, home: string): Promise<void> {
  try {
    await m.setUsername(username);
  } catch (e) {
    const err = toCliError(e, home, { serverFlag: true });
    if (!CliError.is(err)) throw err;
    const [why, next] =
      err.code === 'UsernameTaken'
        ? [`the username @${username} is taken`, 'choose another with']
        : [err.message, 'claim one later with'];
    throw new CliError(
      err.code,
      `the account was created in ${home}, without a username: ${why}; ${next}: sotto username set NAME`,
      err.exitCode,
    );
  }
}
