// `sotto whoami` (address, account, device, identity fingerprint) and `sotto qr` (the address as a
// terminal QR code). Both work offline.
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { qrTerminal } from '@sotto/client';
import type { CliCommand, CliContext } from '../command.js';
import { homeDir, print, withHome, withMessenger } from './messenger-session.js';
import { readDisplayName } from './profile.js';

/** SHA-256 of the identity key, first 16 bytes in hex groups of 4: easy to read out loud. */
export function identityFingerprint(identityKey: Uint8Array): string {
  const hex = createHash('sha256').update(identityKey).digest('hex').slice(0, 32);
  return hex.replace(/(.{4})(?=.)/g, '$1 ');
}

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
