// `sotto verify NAME [--confirm | --scan DATA | --accept]`: the 60-digit safety number (12 groups
// of 5) and a QR of its scannable form; mark verified after comparing, verify from the other
// side's scannable form, or accept a changed identity key. Offline.
import type { Command } from 'commander';
import { MessengerError, qrTerminal, type Messenger, type SafetyNumberView } from '@sotto/client';
import { CliError } from '../cli-error.js';
import type { CliCommand, CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { safeText } from './message-format.js';
import { print, withHome, withMessenger } from './messenger-session.js';

/** Decodings of `--scan DATA` to try: hex, then base64 / base64url (the QR payload). */
export function scanCandidates(data: string): Uint8Array[] {
  const s = data.trim().replace(/\s+/g, '');
  const out: Uint8Array[] = [];
  if (/^([0-9a-fA-F]{2})+$/.test(s)) out.push(new Uint8Array(Buffer.from(s, 'hex')));
  if (/^[A-Za-z0-9+/_-]+=*$/.test(s)) {
    const b = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length > 0) out.push(new Uint8Array(b));
  }
  return out;
}

function rows(grouped: string): string {
  const g = grouped.split(' ');
  return [g.slice(0, 4), g.slice(4, 8), g.slice(8, 12)].map((r) => '  ' + r.join(' ')).join('\n');
}

function banner(n: SafetyNumberView): string {
  if (!n.pending) return '';
  const loud = n.trust === 'verified-changed' ? 'YOUR VERIFIED CONTACT ' : '';
  return (
    `!!! ${loud}${safeText(n.contact).toUpperCase()}'S SAFETY NUMBER CHANGED !!!\n` +
    `They re-registered or someone is impersonating them. This is the NEW number. Sending is\n` +
    `blocked until you compare it with them and run: sotto verify ${safeText(n.contact)} --accept\n\n`
  );
}

function numberJson(n: SafetyNumberView, extra: Record<string, unknown> = {}) {
  return {
    contact: n.contact,
    safetyNumber: n.digits,
    grouped: n.grouped,
    scannable: n.scannableText,
    scannableHex: Buffer.from(n.scannable).toString('hex'),
    trust: n.trust,
    changed: n.pending,
    ...extra,
  };
}

async function scan(m: Messenger, name: string, data: string) {
  const candidates = scanCandidates(data);
  for (const c of candidates) {
    try {
      return await m.verifyScanned(name, c);
    } catch (e) {
      if (!MessengerError.is(e, 'VerificationFailed')) throw e;
    }
  }
  if (candidates.length === 0) {
    throw new CliError(
      'InvalidScan',
      'invalid --scan: expected the hex or base64 safety-number code',
      ExitCode.Usage,
    );
  }
  throw new CliError(
    'VerificationFailed',
    `the scanned code does not match your safety number with ${name}: NOT verified`,
    ExitCode.Untrusted,
  );
}

export const verifyCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    withHome(
      program
        .command('verify')
        .description('show the safety number with a contact; confirm, scan or accept a change')
        .argument('<name>', 'contact name')
        .option('--confirm', 'you compared the 60 digits with your contact: mark verified')
        .option('--scan <data>', "verify from the other side's scannable code (hex or base64)")
        .option('--accept', "accept the contact's new identity key (after a safety-number change)"),
    ).action(async (name: string, _o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      const o = self.opts<{ confirm?: boolean; scan?: string; accept?: boolean }>();
      const actions = [o.confirm === true, o.scan !== undefined, o.accept === true].filter(Boolean).length;
      if (actions > 1) {
        throw new CliError('InvalidFlag', 'use only one of --confirm, --scan, --accept', ExitCode.Usage);
      }
      await withMessenger(ctx, self, async (m) => {
        if (o.accept === true) {
          const before = await m.contact(name);
          const c = await m.acceptIdentity(name);
          const changed = before.trust === 'changed' || before.trust === 'verified-changed';
          print(
            ctx,
            json,
            { contact: c.name, accepted: changed, trust: c.trust },
            changed
              ? `Accepted the new safety number for ${safeText(c.name)}; sending is unblocked (now unverified: compare and run sotto verify ${safeText(c.name)} --confirm)`
              : `Nothing to accept: the safety number with ${safeText(c.name)} has not changed`,
          );
          return;
        }
        if (o.confirm === true) {
          const c = await m.markVerified(name);
          print(
            ctx,
            json,
            { contact: c.name, verified: true, trust: c.trust },
            `${safeText(c.name)} is now verified`,
          );
          return;
        }
        if (o.scan !== undefined) {
          const c = await scan(m, name, o.scan);
          print(
            ctx,
            json,
            { contact: c.name, verified: true, trust: c.trust },
            `Safety numbers match: ${safeText(c.name)} is now verified`,
          );
          return;
        }
        const n = await m.safetyNumber(name);
        const status =
          n.trust === 'verified' ? 'verified' : n.pending ? 'CHANGED, not accepted' : 'not verified';
        print(
          ctx,
          json,
          numberJson(n),
          banner(n) +
            `Safety number with ${safeText(n.contact)} (${status}):\n${rows(n.grouped)}\n\n` +
            `${qrTerminal(n.scannableText)}\n` +
            `Scannable code: ${n.scannableText}\n` +
            `Compare the digits in person or on a call, then: sotto verify ${safeText(n.contact)} --confirm\n` +
            `or have them run: sotto verify <you> --scan ${n.scannableText}`,
        );
      });
    });
  },
};
