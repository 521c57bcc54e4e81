// The client treats the relay as untrusted input: responses are schema-checked and errors typed.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { RelayClient, basicAuthHeader } from '../src/relay-client.js';
import { RelayError } from '../src/errors.js';
import { fromBase64, toBase64 } from '../src/bytes.js';
import type { FetchLike } from '../src/transport.js';

const creds = {
  accountId: '00000000-0000-4000-8000-000000000001',
  deviceId: 2,
  secret: new Uint8Array(32).fill(3),
};

/** Answers `body` as JSON (an Error: a body that is not JSON), without a body stream. */
function fakeFetch(status: number, body: unknown, seen: { url?: string; init?: unknown }[] = []): FetchLike {
  return (url, init) => {
    seen.push({ url, init });
    const bytes = new TextEncoder().encode(body instanceof Error ? '{not json' : JSON.stringify(body));
    return Promise.resolve({
      status,
      headers: { get: () => null },
      arrayBuffer: () => Promise.resolve(bytes.slice().buffer),
    });
  };
}

/** Throws (no answer) the first `failures` times, then answers like fakeFetch. */
function flakyFetch(failures: number, calls: string[]): FetchLike {
  const ok = fakeFetch(200, { accountId: creds.accountId, deviceId: 2, username: null, devices: [1, 2] });
  return (url, init) => {
    calls.push(String((init as { method?: string } | undefined)?.method));
    return calls.length <= failures ? Promise.reject(new TypeError('fetch failed')) : ok(url, init);
  };
}

void describe('RelayClient', () => {
  void it('sends a GET once more when the first attempt got no answer, but never repeats a POST', async () => {
    const calls: string[] = [];
    const c = new RelayClient({ url: 'http://x', fetch: flakyFetch(1, calls), credentials: creds });
    assert.equal((await c.whoami()).deviceId, 2);
    assert.deepEqual(calls, ['GET', 'GET']);

    const twice: string[] = [];
    const down = new RelayClient({ url: 'http://x', fetch: flakyFetch(2, twice), credentials: creds });
    await assert.rejects(down.whoami(), (e) => RelayError.is(e, 'NetworkError'));
    assert.deepEqual(twice, ['GET', 'GET'], 'one retry only');

    const posts: string[] = [];
    const anon = new RelayClient({ url: 'http://x', fetch: flakyFetch(1, posts) });
    await assert.rejects(
      anon.register({
        identityKey: new Uint8Array(33),
        registrationId: 1,
        deviceSecret: new Uint8Array(32),
        signature: new Uint8Array(64),
      }),
      (e) => RelayError.is(e, 'NetworkError'),
    );
    assert.deepEqual(posts, ['POST'], 'a POST may have been applied: not repeated');
  });

  void it('sends Basic credentials as <account>.<device>:<base64 secret>, never in the URL', async () => {
    const seen: { url?: string; init?: unknown }[] = [];
    const c = new RelayClient({
      url: 'http://relay.test/',
      fetch: fakeFetch(
        200,
        { accountId: creds.accountId, deviceId: 2, username: null, devices: [1, 2] },
        seen,
      ),
      credentials: creds,
    });
    const me = await c.whoami();
    assert.equal(me.deviceId, 2);
    assert.equal(seen[0]!.url, 'http://relay.test/v1/accounts/me');
    const header = (seen[0]!.init as { headers: Record<string, string> }).headers['authorization']!;
    assert.equal(header, basicAuthHeader(creds));
    const decoded = new TextDecoder().decode(fromBase64(header.slice(6)));
    assert.equal(decoded, `${creds.accountId}.2:${toBase64(creds.secret)}`);
    assert.ok(!seen[0]!.url.includes(toBase64(creds.secret)));
  });

  void it('turns documented error bodies into RelayError with the code and status', async () => {
    const c = new RelayClient({
      url: 'http://x',
      fetch: fakeFetch(409, { error: 'UsernameTaken' }),
      credentials: creds,
    });
    await assert.rejects(
      c.setUsername('alice'),
      (e: unknown) => RelayError.is(e, 'UsernameTaken') && e.status === 409,
    );
  });

  void it('rejects malformed or hostile responses as BadResponse', async () => {
    const bad: unknown[] = [
      { accountId: 'not-a-uuid', deviceId: 1 },
      { accountId: creds.accountId, deviceId: 1, extra: true },
      new Error('not json'),
    ];
    for (const body of bad) {
      const c = new RelayClient({ url: 'http://x', fetch: fakeFetch(200, body) });
      await assert.rejects(
        c.register({
          identityKey: new Uint8Array(33),
          registrationId: 1,
          deviceSecret: new Uint8Array(32),
          signature: new Uint8Array(64),
        }),
        (e: unknown) => RelayError.is(e, 'BadResponse'),
      );
    }
    const shortKey = {
      accountId: creds.accountId,
      identityKey: toBase64(new Uint8Array(32)),
      devices: [],
    };
    const c = new RelayClient({ url: 'http://x', fetch: fakeFetch(200, shortKey), credentials: creds });
    await assert.rejects(c.getBundles(creds.accountId), (e: unknown) => RelayError.is(e, 'BadResponse'));
    const unknownCode = new RelayClient({
      url: 'http://x',
      fetch: fakeFetch(500, { error: 'Bogus' }),
      credentials: creds,
    });
    await assert.rejects(
      unknownCode.whoami(),
      (e: unknown) => RelayError.is(e, 'BadResponse') && e.status === 500,
    );
  });

  void it('reports an unreachable relay as NetworkError', async () => {
    const c = new RelayClient({ url: 'http://x', fetch: () => Promise.reject(new Error('ECONNREFUSED')) });
    await assert.rejects(c.health(), (e: unknown) => RelayError.is(e, 'NetworkError'));
  });
});
