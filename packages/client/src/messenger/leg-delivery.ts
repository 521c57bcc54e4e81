/**
 * Delivers one outbox leg (one recipient account): make sure every device has a session, pad and
 * encrypt per device, persist the ratchet steps and the envelope ids, THEN submit. Persisting
 * before submitting means a crash can never make us reuse a message key; reusing the envelope ids
 * means the relay stores each copy once however often we retry.
 *
 * Device-list repair follows the relay's answers (docs/relay-api.md): 409 MismatchedDevices →
 * start sessions with the missing devices, drop the extra ones; 410 StaleDevices → the device
 * re-registered: drop its session and fetch a new bundle.
 */
import type { SessionRecord } from '@sotto/protocol';
import {
  PreKeySignalMessage,
  ProtocolAddress,
  isProtocolError,
  signalEncrypt,
  CiphertextMessageType,
} from '@sotto/protocol';
import type { SubmitEnvelope, SubmitResult } from '@sotto/wire';
import type { AccountRecord } from './account-record.js';
import type { MessengerContext } from './context.js';
import { MessengerError } from './errors.js';
import { idToHex, newId } from './ids.js';
import { LocalState } from './local-state.js';
import { padPlaintext } from './message-padding.js';
import type { OutboxEntry, OutboxLeg } from './outbox-record.js';
import { protocolStores } from './protocol-stores.js';
import { startSessions } from './session-setup.js';

export type LegOutcome = 'accepted' | 'retry' | 'failed';

/** Device-list repairs per attempt before backing off (a relay that keeps changing its mind). */
const MAX_REPAIRS = 3;

export async function deliverLeg(
  ctx: MessengerContext,
  entry: OutboxEntry,
  leg: OutboxLeg,
  onIdentityChanged: (accountId: string) => void,
): Promise<LegOutcome> {
  const self = leg.recipient === ctx.accountId;
  // Only to a contact (or our own devices): a leg left for an account that is no contact any more
  // fails for good, before anything is fetched (encryptForDevices checks again under the lock).
  if (!self && !(await new LocalState(ctx.store).contact(leg.recipient))) throw notAContact();
  for (let repair = 0; repair <= MAX_REPAIRS; repair++) {
    let devices = await sessionDevices(ctx, leg.recipient);
    if (devices.length === 0) {
      if (self) {
        // Learn about devices linked since we connected (a cheap call; no prekeys claimed).
        const me = await ctx.relay.whoami();
        ctx.ownDevices.clear();
        for (const d of me.devices) if (d !== ctx.deviceId) ctx.ownDevices.add(d);
        if (ctx.ownDevices.size === 0) return 'accepted'; // no other devices: no sync copy
      }
      const bundles = await ctx.relay.getBundles(leg.recipient);
      devices = await startSessions(ctx, bundles, onIdentityChanged);
      if (devices.length === 0) return self ? 'accepted' : 'failed';
    }
    const envelopes = await encryptForDevices(ctx, entry, leg, devices);
    const result = await submit(ctx, leg.recipient, envelopes);
    if (result.error === null) {
      const rejected = result.results.filter((r) => r.status !== 'Accepted');
      return rejected.length === 0 ? 'accepted' : 'retry';
    }
    if (result.error === 'MismatchedDevices') {
      await dropSessions(ctx, leg.recipient, result.extraDevices);
      for (const d of result.missingDevices) {
        const bundles = await ctx.relay.getBundles(leg.recipient, d);
        await startSessions(ctx, bundles, onIdentityChanged);
      }
      continue;
    }
    if (result.error === 'StaleDevices') {
      await dropSessions(ctx, leg.recipient, result.staleDevices);
      for (const d of result.staleDevices) {
        const bundles = await ctx.relay.getBundles(leg.recipient, d);
        await startSessions(ctx, bundles, onIdentityChanged);
      }
      continue;
    }
    if (result.error === 'AccountNotFound' || result.error === 'Unauthorized') return 'failed';
    return 'retry';
  }
  return 'retry';
}

function notAContact(): MessengerError {
  return new MessengerError('UnknownContact', 'the recipient is no contact any more; not sent');
}

async function sessionDevices(ctx: MessengerContext, accountId: string): Promise<number[]> {
  const devices = await new LocalState(ctx.store).sessionDevices(accountId);
  return accountId === ctx.accountId ? devices.filter((d) => d !== ctx.deviceId) : devices;
}

async function dropSessions(ctx: MessengerContext, accountId: string, devices: number[]): Promise<void> {
  if (devices.length === 0) return;
  await ctx.lock.run(async () => {
    const state = new LocalState(ctx.store);
    for (const d of devices) state.deleteSession(accountId, d);
    await state.commit();
  });
}

/** Encrypts the leg's content for each device and commits sessions + envelope ids together. */
async function encryptForDevices(
  ctx: MessengerContext,
  entry: OutboxEntry,
  leg: OutboxLeg,
  devices: number[],
): Promise<SubmitEnvelope[]> {
  return ctx.lock.run(async () => {
    const state = new LocalState(ctx.store);
    const account = (await state.account()) as AccountRecord;
    if (leg.recipient !== ctx.accountId) {
      const contact = await state.contact(leg.recipient);
      if (!contact) throw notAContact();
      if (contact.change) {
        throw new MessengerError(
          'IdentityChanged',
          `the safety number with ${contact.name} changed; accept it first`,
        );
      }
    }
    const stores = protocolStores(state, account);
    const local = ProtocolAddress.new(account.accountId, account.deviceId);
    const padded = padPlaintext(leg.content);
    const envelopes: SubmitEnvelope[] = [];
    for (const deviceId of devices) {
      const address = ProtocolAddress.new(leg.recipient, deviceId);
      let message;
      try {
        message = await signalEncrypt(
          padded,
          address,
          local,
          stores.session,
          stores.identity,
          ctx.clock.now(),
          ctx.crypto,
        );
      } catch (e) {
        if (isProtocolError(e, 'UntrustedIdentity')) {
          throw new MessengerError('IdentityChanged', 'the identity key of this contact changed', {
            cause: e,
          });
        }
        if (isProtocolError(e, 'SessionExpired') || isProtocolError(e, 'NoSession')) {
          // An unacknowledged session went stale: start over from a fresh bundle next attempt.
          state.deleteSession(leg.recipient, deviceId);
          await state.commit();
          throw new MessengerError('RelayUnreachable', 'session expired; will fetch a new bundle', {
            cause: e,
          });
        }
        throw e;
      }
      const record = await stores.session.getSession(address);
      const registrationId = (record as SessionRecord).currentState?.remoteRegistrationId ?? 0;
      const key = String(deviceId);
      const envelopeId = leg.envelopeIds[key] ?? idToHex(newId(ctx.random));
      leg.envelopeIds[key] = envelopeId;
      envelopes.push({
        deviceId,
        registrationId,
        envelopeId: hexId(envelopeId),
        envelopeType:
          message instanceof PreKeySignalMessage
            ? CiphertextMessageType.PreKey
            : CiphertextMessageType.Whisper,
        content: message.serialize(),
      });
    }
    const stored = await state.outboxEntry(entry.id);
    if (stored) {
      state.putOutbox({ ...stored, legs: stored.legs.map((l) => (l.recipient === leg.recipient ? leg : l)) });
    }
    await state.commit();
    return envelopes;
  });
}

function hexId(hex: string): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Over the WebSocket when it is up (preferred by the relay), else over HTTP. */
async function submit(
  ctx: MessengerContext,
  recipient: string,
  envelopes: SubmitEnvelope[],
): Promise<SubmitResult> {
  const conn = ctx.connection();
  if (conn?.isOpen) return conn.submit(recipient, envelopes);
  return ctx.relay.submit(recipient, envelopes);
}
