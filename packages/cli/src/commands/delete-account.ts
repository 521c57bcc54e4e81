// `sotto delete-account --yes`: deletes the account on the relay (every device of it, their keys and
// the envelopes still queued for them; the username is freed), then this home's state. Irreversible,
// so it does nothing without --yes (asked before the passphrase and the relay). Other devices of the
// account are cut off by the relay; their homes are left for their owners to remove.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { MessengerError } from '@sotto/client';
import { CliError } from '../cli-error.js';
import type { CliCommand, CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import {
  deviceUnknown,
  homeDir,
  print,
  relayCode,
  removeStateFiles,
  shellWord,
  withHome,
  withMessenger,
} from './messenger-session.js';
import { PROFILE_FILE } from './profile.js';

export const deleteAccountCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    withHome(
      program
        .command('delete-account')
        .description(
          'delete this account on the relay (all its devices) and the state in this home; irreversible',
        )
        .option('--yes', 'really delete (nothing happens without it)'),
    ).action(async (opts: { yes?: boolean }, self: Command) => {
      const { json } = ctx.globals(self);
      if (opts.yes !== true) {
        throw new CliError(
          'ConfirmationRequired',
          'delete-account deletes this account on the relay for every device, and the messages and ' +
            'keys in this home, for good: run it again with --yes',
          ExitCode.Usage,
        );
      }
      const home = homeDir(ctx, self);
      const deleted = await withMessenger(ctx, self, async (m) => {
        const info = { accountId: m.accountId, relay: m.relayUrl, username: m.username };
        try {
          await m.deleteAccount();
        } catch (e) {
          // Nothing left to delete on the relay from here; the home is still the user's to remove.
          if (MessengerError.is(e) && e.code === 'RelayRejected' && relayCode(e) === 'Unauthorized') {
            throw deviceUnknown(
              `; nothing was deleted. To remove this home's state too: rm -r ${shellWord(home)}`,
            );
          }
          throw e;
        }
        return info;
      });
      // The messenger and its store are closed by now: the files can go.
      removeStateFiles(home);
      rmSync(join(home, PROFILE_FILE), { force: true });
      print(
        ctx,
        json,
        { deleted: true, ...deleted, home },
        `Deleted account ${deleted.accountId}${deleted.username ? ` (@${deleted.username})` : ''} on ` +
          `${deleted.relay}, with all its devices, and the state in ${home}`,
      );
    });
  },
};
