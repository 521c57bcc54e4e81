// `sotto devices` (list this account's devices), `sotto devices link REQUEST` (answer a new device's
// `sotto init --link` with this account's link, sealed so only that device can open it) and
// `sotto devices remove ID --yes` (remove a lost or replaced device: the relay cuts it off).
import type { Command } from 'commander';
import { LINK_REQUEST_BYTES, MessengerError } from '@sotto/client';
import { CliError } from '../cli-error.js';
import type { CliCommand, CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { codeText, parseCode, requestFingerprint } from './link-code.js';
import { print, relayCode, withHome, withMessenger } from './messenger-session.js';

export const devicesCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    const devices = program
      .command('devices')
      .description("list this account's devices; link a new one or remove a lost one");

    withHome(
      devices.command('list', { isDefault: true }).description("list this account's devices (the default)"),
    ).action(async (_o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      await withMessenger(ctx, self, async (m) => {
        const ids = await m.devices();
        const rows = ids.map((id) => ({ id, thisDevice: id === m.deviceId }));
        print(
          ctx,
          json,
          { devices: rows },
          rows.map((r) => `${r.id}${r.thisDevice ? '  (this device)' : ''}`).join('\n'),
        );
      });
    });

    withHome(
      devices
        .command('link')
        .description(
          'answer a new device: REQUEST is what `sotto init --link` printed there; prints the code to paste there',
        )
        .argument('<request>', 'the link request shown by the new device'),
    ).action(async (raw: string, _o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      // Checked before the passphrase prompt: a mistyped request should not cost an unlock.
      const request = parseCode(raw, 'link request', LINK_REQUEST_BYTES, LINK_REQUEST_BYTES);
      const fingerprint = requestFingerprint(request);
      await withMessenger(ctx, self, (m) => {
        const code = codeText(m.sealDeviceLinkFor(request));
        // Whoever shows this request gets the account's identity key: say so where a person reads.
        ctx.io.stderr(
          `The code below gives the device showing request ${fingerprint} full use of this account. ` +
            'Paste it only into a sotto init --link you started yourself, showing that same request.\n',
        );
        print(
          ctx,
          json,
          { code, requestFingerprint: fingerprint },
          `Paste this code into the new device (only the device that showed request ${fingerprint} can open it):\n\n` +
            code,
        );
        return Promise.resolve();
      });
    });

    withHome(
      devices
        .command('remove')
        .description('remove another device of this account (a lost or replaced one); the relay cuts it off')
        .argument('<id>', 'the device id (see: sotto devices)')
        .option('--yes', 'really remove (nothing happens without it)'),
    ).action(async (raw: string, opts: { yes?: boolean }, self: Command) => {
      const { json } = ctx.globals(self);
      if (!/^[1-9]\d{0,8}$/.test(raw))
        throw new CliError('InvalidArgument', `invalid device id: ${JSON.stringify(raw)}`, ExitCode.Usage);
      const id = Number(raw);
      if (opts.yes !== true) {
        throw new CliError(
          'ConfirmationRequired',
          `removing device ${id} cuts it off from this account for good: run it again with --yes`,
          ExitCode.Usage,
        );
      }
      await withMessenger(ctx, self, async (m) => {
        if (id === m.deviceId) {
          throw new CliError(
            'InvalidArgument',
            'this is the device you are on: remove it from another device (or delete the account)',
            ExitCode.Usage,
          );
        }
        try {
          await m.removeDevice(id);
        } catch (e) {
          // The relay says so itself: no listing first (one round trip, and no race with it).
          if (MessengerError.is(e) && e.code === 'RelayRejected' && relayCode(e) === 'DeviceNotFound')
            throw new CliError('DeviceNotFound', `this account has no device ${id}`, ExitCode.NotFound);
          throw e;
        }
        print(ctx, json, { removed: id }, `Removed device ${id}: the relay no longer accepts it`);
      });
    });
  },
};
