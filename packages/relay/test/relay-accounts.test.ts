import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { PrivateKey } from '@signalapp/libsignal-client';
import { RelayError, addDeviceMessage, registrationMessage, toBase64 } from '@sotto/wire';
import type { DeliverFrame, SubmitEnvelope } from '@sotto/wire';
import {
  addDevice,
  envelopeId,
  makeKeys,
  registerUser,
  sign,
  startTestRelay,
  waitFor,
} from './helpers/harness.js';
import type { TestRelay, TestUser } from './helpers/harness.js';
import { MemoryRelayStore } from './helpers/memory-relay-store.js';
import { createLogger } from '../src/logger.js';

const rejectsWith = (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (e: unknown) => RelayError.is(e) && e.code === code);

const envelopeTo = (to: TestUser, deviceId: number, registrationId = to.registrationId): SubmitEnvelope => ({
  deviceId,
  registrationId,
  envelopeId: envelopeId(),
  envelopeType: 1,
  content: new Uint8Array(randomBytes(64)),
});

void describe('accounts and devices', () => {
  let t: TestRelay;
  before(async () => {
    t = await startTestRelay();
  });
  after(async () => {
    await t.close();
  });

  void it('registers with an identity key only and returns a random UUID account id, device 1', async () => {
    const a = await registerUser(t);
    const b = await registerUser(t);
    assert.match(a.accountId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(a.accountId, b.accountId);
    assert.equal(a.deviceId, 1);
    const me = await a.client.whoami();
    assert.deepEqual(me, { accountId: a.accountId, deviceId: 1, username: null, devices: [1] });
    const view = await b.client.getAccount(a.accountId);
    assert.deepEqual(view.identityKey, a.identityKey);
  });

  void it('refuses a registration whose signature is not by the identity key', async () => {
    const id = PrivateKey.generate();
    const other = PrivateKey.generate();
    const identityKey = new Uint8Array(id.getPublicKey().serialize());
    const secret = new Uint8Array(randomBytes(32));
    const msg = registrationMessage(identityKey, 7, secret);
    await rejectsWith(
      t.anon.register({ identityKey, registrationId: 7, deviceSecret: secret, signature: sign(other, msg) }),
      'InvalidSignature',
    );
    // A valid signature over a different registration id does not transfer.
    await rejectsWith(
      t.anon.register({ identityKey, registrationId: 8, deviceSecret: secret, signature: sign(id, msg) }),
      'InvalidSignature',
    );
  });

  void it('adds a device authorised by the identity key, and removes it', async () => {
    const a = await registerUser(t);
    const secret = new Uint8Array(randomBytes(32));
    const sig = sign(a.identity, addDeviceMessage(a.accountId, 99, secret));
    const created = await t.anon.addDevice(a.accountId, {
      registrationId: 99,
      deviceSecret: secret,
      signature: sig,
    });
    assert.equal(created.deviceId, 2);
    const second = t.anon.withCredentials({ accountId: a.accountId, deviceId: 2, secret });
    assert.deepEqual((await second.whoami()).devices, [1, 2]);
    // Someone else's identity key cannot add a device to this account.
    const mallory = await registerUser(t);
    const s2 = new Uint8Array(randomBytes(32));
    await rejectsWith(
      t.anon.addDevice(a.accountId, {
        registrationId: 5,
        deviceSecret: s2,
        signature: sign(mallory.identity, addDeviceMessage(a.accountId, 5, s2)),
      }),
      'InvalidSignature',
    );
    await rejectsWith(second.removeDevice(2), 'Forbidden');
    await a.client.removeDevice(2);
    await rejectsWith(second.whoami(), 'Unauthorized');
    await rejectsWith(a.client.removeDevice(2), 'DeviceNotFound');
  });

  void it('deletes an account with all its devices, keys and queued envelopes; its username is free', async () => {
    const a = await registerUser(t);
    const b = await registerUser(t);
    const { secret } = await addDevice(t.anon, a, 7);
    const second = t.anon.withCredentials({ accountId: a.accountId, deviceId: 2, secret });
    await a.client.setUsername('leaving_rl');
    await a.client.uploadKeys(makeKeys(a, 2));
    // Queued for a (undelivered), and sent by a to b.
    const bConn = b.client.connect();
    await bConn.ready;
    const toA = await bConn.submit(a.accountId, [envelopeTo(a, 1), envelopeTo(a, 2, 7)]);
    assert.deepEqual(
      toA.results.map((r) => r.status),
      ['Accepted', 'Accepted'],
    );
    bConn.close();
    const aConn = a.client.connect();
    await aConn.ready;
    assert.equal((await aConn.submit(b.accountId, [envelopeTo(b, 1)])).results[0]?.status, 'Accepted');
    // Device 2 is online when device 1 deletes the account: its socket is closed.
    let closed: RelayError | null = null;
    const live = second.connect({ onClose: (c) => (closed = c.error), onDeliver: () => {} });
    await live.ready;

    await a.client.deleteAccount();
    await waitFor(() => closed !== null, 5000, 'the second device cut off');
    assert.equal((closed as RelayError | null)?.code, 'Unauthorized');
    await rejectsWith(a.client.whoami(), 'Unauthorized');
    await rejectsWith(second.whoami(), 'Unauthorized');
    await rejectsWith(a.client.deleteAccount(), 'Unauthorized');
    await rejectsWith(b.client.getAccount(a.accountId), 'AccountNotFound');
    await rejectsWith(b.client.getBundles(a.accountId), 'AccountNotFound');
    await rejectsWith(b.client.lookupUsername('leaving_rl'), 'UsernameNotFound');
    assert.equal(await b.client.setUsername('leaving_rl'), 'leaving_rl');
    // What a sent before is still b's to read.
    const got: DeliverFrame[] = [];
    const bAgain = b.client.connect({ onDeliver: (d) => void got.push(d) });
    await waitFor(() => got.length === 1, 5000, 'the envelope a sent');
    assert.equal(got[0]?.senderAccountId, a.accountId);
    bAgain.close();
  });

  void it('sets, looks up (case-insensitively), changes and releases a unique username', async () => {
    const a = await registerUser(t);
    const b = await registerUser(t);
    assert.equal(await a.client.setUsername('Alice_01'), 'alice_01');
    const found = await b.client.lookupUsername('ALICE_01');
    assert.equal(found.accountId, a.accountId);
    assert.equal(found.username, 'alice_01');
    await rejectsWith(b.client.setUsername('alice_01'), 'UsernameTaken');
    await rejectsWith(b.client.setUsername('1nvalid'), 'UsernameInvalid');
    await rejectsWith(b.client.setUsername('ab'), 'UsernameInvalid');
    assert.equal(await a.client.setUsername('alice_02'), 'alice_02');
    assert.equal(await b.client.setUsername('alice_01'), 'alice_01', 'the old name was released');
    await a.client.deleteUsername();
    await rejectsWith(b.client.lookupUsername('alice_02'), 'UsernameNotFound');
    assert.equal((await a.client.whoami()).username, null);
  });

  void it('refuses a username that is ASCII only after lower-casing (U+212A KELVIN SIGN -> k)', async () => {
    const a = await registerUser(t);
    // Sent raw: the reference client would refuse it before it reaches the relay.
    const res = await fetch(`${t.url}/v1/accounts/me/username`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        authorization: 'Basic ' + Buffer.from(`${a.accountId}.1:${toBase64(a.secret)}`).toString('base64'),
      },
      body: JSON.stringify({ username: '\u212Aelvin_q' }),
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: 'UsernameInvalid' });
    assert.equal((await a.client.whoami()).username, null);
  });

  void it('answers unknown accounts and routes with documented codes', async () => {
    const a = await registerUser(t);
    await rejectsWith(a.client.getAccount('00000000-0000-4000-8000-000000000000'), 'AccountNotFound');
    const res = await fetch(`${t.url}/v1/nope`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: 'NotFound' });
    const m = await fetch(`${t.url}/v1/accounts`, { method: 'GET' });
    assert.equal(m.status, 405);
    assert.equal(((await m.json()) as { error: string }).error, 'MethodNotAllowed');
  });
});

void describe('lookup rate limit (username enumeration)', () => {
  let t: TestRelay;
  before(async () => {
    t = await startTestRelay({ lookupsPerRequesterPerMinute: 4 });
  });
  after(async () => {
    await t.close();
  });

  void it('limits account and username lookups per requesting device, refilling with (injected) time', async () => {
    const alice = await registerUser(t);
    await alice.client.setUsername('alice_rl');
    const mallory = await registerUser(t);
    const other = await registerUser(t);
    // Misses count like hits: a guess that finds nothing is still a guess.
    await rejectsWith(mallory.client.lookupUsername('guess_1'), 'UsernameNotFound');
    await rejectsWith(mallory.client.lookupUsername('guess_2'), 'UsernameNotFound');
    assert.equal((await mallory.client.lookupUsername('alice_rl')).accountId, alice.accountId);
    assert.equal((await mallory.client.getAccount(alice.accountId)).accountId, alice.accountId);
    await rejectsWith(mallory.client.lookupUsername('alice_rl'), 'RateLimited');
    await rejectsWith(mallory.client.getAccount(alice.accountId), 'RateLimited');
    // Another device has its own allowance, and an account's own view is not a lookup.
    assert.equal((await other.client.lookupUsername('alice_rl')).accountId, alice.accountId);
    assert.equal((await mallory.client.whoami()).accountId, mallory.accountId);
    t.clock.advance(60_000);
    assert.equal((await mallory.client.lookupUsername('alice_rl')).accountId, alice.accountId);
  });
});

void describe('registration rate limit', () => {
  void it('refuses new accounts beyond registrationsPerMinute with 429 RateLimited; junk does not use it up', async () => {
    const t = await startTestRelay({ registrationsPerMinute: 3 });
    try {
      const first = await registerUser(t);
      await registerUser(t);
      await registerUser(t);
      await rejectsWith(registerUser(t), 'RateLimited');
      // Existing accounts are not affected.
      assert.equal((await first.client.whoami()).accountId, first.accountId);
      // One token back after a third of a minute (injected clock).
      t.clock.advance(20_000);
      const id = PrivateKey.generate();
      const identityKey = new Uint8Array(id.getPublicKey().serialize());
      const secret = new Uint8Array(randomBytes(32));
      const forged = sign(PrivateKey.generate(), registrationMessage(identityKey, 7, secret));
      for (let i = 0; i < 3; i++)
        await rejectsWith(
          t.anon.register({ identityKey, registrationId: 7, deviceSecret: secret, signature: forged }),
          'InvalidSignature',
        );
      await registerUser(t);
      await rejectsWith(registerUser(t), 'RateLimited');
    } finally {
      await t.close();
    }
  });
});

/** POST /v1/accounts for a fresh identity from `localAddress` (any 127.x.y.z reaches the relay). */
async function registerFrom(
  t: TestRelay,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; code?: string | undefined }> {
  const id = PrivateKey.generate();
  const identityKey = new Uint8Array(id.getPublicKey().serialize());
  const secret = new Uint8Array(randomBytes(32));
  const body = JSON.stringify({
    identityKey: toBase64(identityKey),
    registrationId: 7,
    deviceSecret: toBase64(secret),
    signature: toBase64(sign(id, registrationMessage(identityKey, 7, secret))),
  });
  const url = new URL('/v1/accounts', t.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const parsed = JSON.parse(text) as { error?: string };
          resolve({ status: res.statusCode ?? 0, code: parsed.error });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

void describe('registration limit per client address', () => {
  void it('refuses an address beyond registrationsPerAddressPerMinute while other addresses still register', async () => {
    const t = await startTestRelay({ registrationsPerMinute: 100, registrationsPerAddressPerMinute: 2 });
    try {
      assert.equal((await registerFrom(t, '127.0.0.2')).status, 200);
      assert.equal((await registerFrom(t, '127.0.0.2')).status, 200);
      assert.deepEqual(await registerFrom(t, '127.0.0.2'), { status: 429, code: 'RateLimited' });
      // Another address is not held up by the first one's flood.
      assert.equal((await registerFrom(t, '127.0.0.3')).status, 200);
      assert.equal((await registerFrom(t, '127.0.0.3')).status, 200);
      assert.deepEqual(await registerFrom(t, '127.0.0.3'), { status: 429, code: 'RateLimited' });
      // One token back after half a minute (injected clock).
      t.clock.advance(30_000);
      assert.equal((await registerFrom(t, '127.0.0.2')).status, 200);
      assert.deepEqual(await registerFrom(t, '127.0.0.2'), { status: 429, code: 'RateLimited' });
    } finally {
      await t.close();
    }
  });

  void it('keeps an address that is refused from using up the relay-wide allowance', async () => {
    const t = await startTestRelay({ registrationsPerMinute: 3, registrationsPerAddressPerMinute: 1 });
    try {
      assert.equal((await registerFrom(t, '127.0.0.2')).status, 200);
      for (let i = 0; i < 5; i++) {
        assert.deepEqual(await registerFrom(t, '127.0.0.2'), { status: 429, code: 'RateLimited' });
      }
      // The relay-wide bucket still has the two tokens the refused requests did not take.
      assert.equal((await registerFrom(t, '127.0.0.3')).status, 200);
      assert.equal((await registerFrom(t, '127.0.0.4')).status, 200);
      assert.deepEqual(await registerFrom(t, '127.0.0.5'), { status: 429, code: 'RateLimited' });
    } finally {
      await t.close();
    }
  });

  void it('warns once, with no address, when registrations arrive with proxy headers while it is on', async () => {
    for (const perAddress of [10, 0]) {
      const lines: string[] = [];
      const t = await startTestRelay(
        { registrationsPerAddressPerMinute: perAddress },
        { log: createLogger('debug', (l) => lines.push(l)) },
      );
      try {
        await registerFrom(t, '127.0.0.2');
        assert.equal(lines.filter((l) => l.includes('registrations_via_proxy')).length, 0);
        await registerFrom(t, '127.0.0.2', { 'x-forwarded-for': '198.51.100.23' });
        await registerFrom(t, '127.0.0.2', { forwarded: 'for=198.51.100.24' });
        const warned = lines.filter((l) => l.includes('registrations_via_proxy'));
        assert.equal(
          warned.length,
          perAddress === 0 ? 0 : 1,
          `registrationsPerAddressPerMinute ${perAddress}`,
        );
        assert.ok(
          !lines.some((l) => l.includes('198.51.100.') || l.includes('127.0.0.2')),
          'no address logged',
        );
      } finally {
        await t.close();
      }
    }
  });

  void it('is off at 0 (behind a reverse proxy): only the relay-wide limit counts', async () => {
    const t = await startTestRelay({ registrationsPerMinute: 100, registrationsPerAddressPerMinute: 0 });
    try {
      for (let i = 0; i < 12; i++) assert.equal((await registerFrom(t, '127.0.0.2')).status, 200);
    } finally {
      await t.close();
    }
  });
});

void describe('a device removed while its socket is logging in', () => {
  void it('is cut off once the login completes (the removal found no session to close)', async () => {
    // The removal lands in the window between the credential check and the session's subscription:
    // here, while the session applies earlier acks.
    const store = new (class extends MemoryRelayStore {
      removeDuringNextFlush: (() => Promise<unknown>) | undefined;
      override async flushAcks() {
        const remove = this.removeDuringNextFlush;
        this.removeDuringNextFlush = undefined;
        await remove?.();
      }
    })();
    const t = await startTestRelay({}, { relayStore: store });
    try {
      const a = await registerUser(t);
      const { secret } = await addDevice(t.anon, a, 5);
      store.removeDuringNextFlush = () => a.client.removeDevice(2);
      let closedWith: string | undefined;
      const conn = t.anon
        .withCredentials({ accountId: a.accountId, deviceId: 2, secret })
        .connect({ onClose: (c) => (closedWith ??= c.error?.code) });
      await waitFor(() => closedWith !== undefined, 5000, 'the socket closed');
      assert.equal(closedWith, 'Unauthorized');
      conn.close();
    } finally {
      await t.close();
    }
  });
});
