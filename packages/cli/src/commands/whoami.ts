// `sotto whoami` (address, account, device, identity fingerprint) and `sotto qr` (the address as a
// terminal QR code). Both work offline.
import type { Command } from 'commander';
import { identityFingerprint, qrTerminal } from '@sotto/client';
import type { CliCommand, CliContext } from '../command.js';
import { homeDir, print, withHome, withMessenger } from './messenger-session.js';
import { readDisplayName } from './profile.js';

export const whoamiCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    withHome(
      program
        .command('whoami')
        .description('show this account: address, username, device, identity fingerprint'),
    ).action(async (_o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      const home = homeDir(ctx, self);
      await withMessenger(ctx, self, (m) => {
        const data = {
          address: m.address,
          accountId: m.accountId,
          deviceId: m.deviceId,
          username: m.username,
          name: readDisplayName(home),
          relay: m.relayUrl,
          identityKey: Buffer.from(m.identityKey).toString('base64url'),
          identityFingerprint: identityFingerprint(m.identityKey),
          home,
        };
        const lines = [
          ...(data.name ? [`name:        ${data.name}`] : []),
          `username:    ${m.username ? '@' + m.username : '(none)'}`,
          `account:     ${m.accountId}`,
          `device:      ${m.deviceId}`,
          `relay:       ${m.relayUrl}`,
          `identity:    ${data.identityFingerprint}`,
          `address:     ${m.address}`,
        ];
        print(ctx, json, data, lines.join('\n'));
        return Promise.resolve();
      });
    });

    withHome(program.command('qr').description('show your address as a QR code to scan')).action(
      async (_o: unknown, self: Command) => {
        const { json } = ctx.globals(self);
        await withMessenger(ctx, self, (m) => {
          print(ctx, json, { address: m.address }, `${qrTerminal(m.address)}\n${m.address}`);
          return Promise.resolve();
        });
      },
    );
  },
};
