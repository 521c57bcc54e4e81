// Starts a relay on 127.0.0.1:0 with an injected clock and cheap scrypt, and creates real users
// (libsignal identity keys and signatures, exactly what a client sends) through the wire client.
import { randomBytes } from 'node:crypto';
import { KEMKeyPair, PrivateKey } from '@signalapp/libsignal-client';
import WebSocket from 'ws';
import { RelayClient, addDeviceMessage, registrationMessage } from '@sotto/wire';
import type { Credentials, KeyUpload, WebSocketCtor } from '@sotto/wire';
import { relayConfigSchema } from '../../src/config.js';
import type { RelayConfig } from '../../src/config.js';
import { createScryptHasher, silentLogger, startRelay } from '../../src/index.js';
import type { RelayDeps, RunningRelay } from '../../src/index.js';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js';

export const WS = WebSocket as unknown as WebSocketCtor;

export class TestClock {
  constructor(public t = 1_800_000_000_000) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface TestRelay {
  relay: RunningRelay;
  url: string;
  clock: TestClock;
  anon: RelayClient;
  close(): Promise<void>;
}

export async function startTestRelay(
  overrides: Partial<Record<keyof RelayConfig, unknown>> = {},
  deps: Partial<RelayDeps> = {},
): Promise<TestRelay> {
  const clock = new TestClock();
  // Tests register many accounts in a few seconds: no registration limit unless a test sets one.
  const config = relayConfigSchema.parse({
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    registrationsPerMinute: 1_000_000,
    registrationsPerAddressPerMinute: 1_000_000, // all of them from 127.0.0.1
    ...overrides,
  });
  const relay = await startRelay(config, {
    now: clock.now,
    log: silentLogger,
    secretHasher: createScryptHasher({ N: 1024, r: 8, p: 1 }),
    // The real SQLite adapter (in memory) unless a test injects something else.
    ...(deps.store === undefined && deps.relayStore === undefined
      ? { store: await openSqliteStore(':memory:') }
      : {}),
    ...deps,
  });
  return {
    relay,
    url: relay.url,
    clock,
    anon: new RelayClient({ url: relay.url, WebSocket: WS }),
    close: () => relay.close(),
  };
}

export interface TestUser {
  accountId: string;
  deviceId: number;
  registrationId: number;
  identity: PrivateKey;
  identityKey: Uint8Array;
  secret: Uint8Array;
  creds: Credentials;
  client: RelayClient;
}

export function sign(identity: PrivateKey, message: Uint8Array): Uint8Array {
  return new Uint8Array(identity.sign(new Uint8Array(message)));
}

export async function registerUser(
  t: TestRelay,
  registrationId = 1 + (randomBytes(2).readUInt16BE() % 16000),
) {
  const identity = PrivateKey.generate();
  const identityKey = new Uint8Array(identity.getPublicKey().serialize());
  const secret = new Uint8Array(randomBytes(32));
  const signature = sign(identity, registrationMessage(identityKey, registrationId, secret));
  const { accountId, deviceId } = await t.anon.register({
    identityKey,
    registrationId,
    deviceSecret: secret,
    signature,
  });
  const creds = { accountId, deviceId, secret };
  const user: TestUser = {
    accountId,
    deviceId,
    registrationId,
    identity,
    identityKey,
    secret,
    creds,
    client: t.anon.withCredentials(creds),
  };
  return user;
}

/** Adds a device to `user`'s account through `client`, authorised by the identity key: its id and secret. */
export async function addDevice(
  client: RelayClient,
  user: { accountId: string; identity: PrivateKey },
  registrationId: number,
): Promise<{ deviceId: number; secret: Uint8Array }> {
  const secret = new Uint8Array(randomBytes(32));
  const { deviceId } = await client.addDevice(user.accountId, {
    registrationId,
    deviceSecret: secret,
    signature: sign(user.identity, addDeviceMessage(user.accountId, registrationId, secret)),
  });
  return { deviceId, secret };
}

/** A full key set signed by the user's identity key: signed prekey, n EC + n Kyber one-time keys, last resort. */
export function makeKeys(user: { identity: PrivateKey }, n: number, firstId = 1): KeyUpload {
  const ec = () => new Uint8Array(PrivateKey.generate().getPublicKey().serialize());
  const kyber = () => new Uint8Array(KEMKeyPair.generate().getPublicKey().serialize());
  const signed = (keyId: number, publicKey: Uint8Array) => ({
    keyId,
    publicKey,
    signature: sign(user.identity, publicKey),
  });
  return {
    signedPreKey: signed(firstId, ec()),
    preKeys: Array.from({ length: n }, (_, i) => ({ keyId: firstId + i, publicKey: ec() })),
    kyberPreKeys: Array.from({ length: n }, (_, i) => signed(firstId + i, kyber())),
    kyberLastResort: signed(firstId + 10_000, kyber()),
  };
}

export function envelopeId(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}

/** Resolves when `cond()` holds (polling), or rejects after `ms`. */
export async function waitFor(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
