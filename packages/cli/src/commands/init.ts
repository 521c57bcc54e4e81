// `sotto init --server URL [--name NAME] [--username U]`: create the account in the home directory.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { AddressError, normaliseRelayUrl } from '@sotto/client';
import { CliError } from '../cli-error.js';
import type { CliCommand, CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { STATE_FILE, createMessenger, homeDir, print, toCliError, withHome } from './messenger-session.js';
import { PROFILE_FILE } from './profile.js';

export const initCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    withHome(
      program
        .command('init')
        .description('create an account on a relay and print its address')
        .requiredOption('--server <url>', 'the relay URL, e.g. http://127.0.0.1:8787')
        .option('--name <name>', 'your display name, kept in this home only')
        .option('--username <u>', 'claim a username on the relay so others can add you as @u'),
    ).action(async (_o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      const o = self.opts<{ server: string; name?: string; username?: string }>();
      let relayUrl: string;
      try {
        relayUrl = normaliseRelayUrl(o.server);
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
      if (o.name !== undefined && (o.name.length === 0 || o.name.length > 64 || /[\p{Cc}]/u.test(o.name))) {
        throw new CliError(
          'InvalidFlag',
          'invalid --name: 1 to 64 characters, no control characters',
          ExitCode.Usage,
        );
      }
      const home = homeDir(ctx, self);
      if (existsSync(join(home, STATE_FILE))) {
        throw new CliError('AccountExists', `an account already exists in ${home}`, ExitCode.Usage);
      }
      const m = await createMessenger(ctx, home, {
        relayUrl,
        ...(o.username !== undefined ? { username: o.username } : {}),
      });
      try {
        if (o.name !== undefined) {
          writeFileSync(join(home, PROFILE_FILE), JSON.stringify({ name: o.name }) + '\n', { mode: 0o600 });
        }
        const data = {
          address: m.address,
          accountId: m.accountId,
          deviceId: m.deviceId,
          username: m.username,
          relay: m.relayUrl,
          home,
        };
        print(
          ctx,
          json,
          data,
          `Account created in ${home}\n` +
            (m.username ? `Username: @${m.username}\n` : '') +
            `Your address (share it, or show it as a QR code with: sotto qr):\n${m.address}`,
        );
      } catch (e) {
        throw toCliError(e, home);
      } finally {
        await m.close();
      }
    });
  },
};
