// `sotto init --link`: this home becomes a new device of an account the user has on another device.
// This side makes a one-use key pair and shows its public half (the request); the other device runs
// `sotto devices link REQUEST` and prints the account's link sealed to it; pasted back here, only
// this process (which alone holds the request's private key, in memory) can open it. The identity
// fingerprint printed at the end is the one `sotto whoami` shows on the other device.
import { MessengerError, createLinkRequest, identityFingerprint, openDeviceLink } from '@sotto/client';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { codeText, parseCode, readCodeLine, requestFingerprint } from './link-code.js';
import { accountSummary, createMessenger, ensureHome, print, toCliError } from './messenger-session.js';
import { readPassphrase } from './passphrase.js';
import { writeDisplayName } from './profile.js';

/** Far above a real sealed link (about 330 bytes). */
const MAX_CODE_BYTES = 4096;

export async function initByLink(ctx: CliContext, home: string, json: boolean, name?: string): Promise<void> {
  ensureHome(home);
  // Asked first, so that pasting the code is the last step.
  const passphrase = await readPassphrase(ctx, { confirm: true });
  const request = createLinkRequest();
  let link: Uint8Array;
  try {
    const text = codeText(request.request);
    const fingerprint = requestFingerprint(request.request);
    print(
      ctx,
      json,
      { request: text, requestFingerprint: fingerprint },
      'To link this home to your account, run on a device of that account:\n\n' +
        `  sotto devices link ${text}\n\n` +
        `check that it names request ${fingerprint}, then paste here the code it prints.`,
    );
    const line = await readCodeLine('Link code: ');
    if (line === null)
      throw new CliError('NoLinkCode', 'no link code given (standard input ended)', ExitCode.Usage);
    const sealed = parseCode(line, 'link code', 1, MAX_CODE_BYTES);
    try {
      link = openDeviceLink(sealed, request);
    } catch (e) {
      if (!MessengerError.is(e)) throw e;
      throw new CliError(
        'InvalidLinkCode',
        'invalid link code: it was not made for this request (run sotto devices link with the request shown above) or it was altered',
        ExitCode.Usage,
      );
    }
  } finally {
    request.privateKey.fill(0);
  }
  const m = await createMessenger(ctx, home, { deviceLink: link }, passphrase).finally(() => link.fill(0));
  try {
    if (name !== undefined) writeDisplayName(home, name);
    const data = { ...accountSummary(m, home), identityFingerprint: identityFingerprint(m.identityKey) };
    print(
      ctx,
      json,
      data,
      `Linked ${home} as device ${m.deviceId} of account ${m.accountId} on ${m.relayUrl}\n` +
        `identity:    ${data.identityFingerprint} (sotto whoami shows the same on your other devices)\n` +
        'Your contacts follow from your other devices once both have connected (sotto inbox here, then there, then here); history stays there.',
    );
  } catch (e) {
    throw toCliError(e, home);
  } finally {
    await m.close();
  }
}
