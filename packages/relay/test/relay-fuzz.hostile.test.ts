// Seeded, bounded fuzzing from several connections at once (frames before and after AUTH, text frames,
// oversized frames, mutated valid frames, junk HTTP bodies/paths/headers) while a well-behaved pair
// keeps messaging. The relay must answer with documented codes, keep serving, and lose nothing.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DeliverFrame } from '@sotto/wire';
import { KNOWN_CODES, KNOWN_STATUSES, attacker, httpFuzz } from './helpers/fuzz.js';
import { envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';
import type { TestRelay } from './helpers/harness.js';

void describe('fuzzing the relay', () => {
  let t: TestRelay;
  before(async () => {
    t = await startTestRelay({ maxFrameBytes: 64 * 1024, submitsPerConnectionPerSecond: 1000 });
  });
  after(async () => {
    await t.close();
  });

  void it('keeps serving a well-behaved pair while hostile connections send junk, answering with codes', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    const attackers = await Promise.all(Array.from({ length: 4 }, () => registerUser(t)));
    const got: DeliverFrame[] = [];
    const bobConn = bob.client.connect({
      onDeliver: (d) => {
        got.push(d);
        bobConn.ack(d.seq);
      },
    });
    await bobConn.ready;
    const aliceConn = alice.client.connect();
    await aliceConn.ready;

    const wsErrors: string[] = [];
    const statuses: number[] = [];
    const httpCodes: string[] = [];
    const N = 60;
    const wellBehaved = (async () => {
      for (let i = 0; i < N; i++) {
        const res = await aliceConn.submit(bob.accountId, [
          {
            deviceId: 1,
            registrationId: bob.registrationId,
            envelopeId: envelopeId(),
            envelopeType: 1,
            content: new Uint8Array([i]),
          },
        ]);
        assert.equal(res.results[0]!.status, 'Accepted');
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await Promise.all([
      wellBehaved,
      ...attackers.map((a, i) => attacker(t.url, a, bob, 1000 + i, wsErrors)),
      httpFuzz(t.url, attackers[0]!, 77, statuses, httpCodes),
      httpFuzz(t.url, attackers[1]!, 78, statuses, httpCodes),
    ]);

    const fromAlice = () => got.filter((d) => d.senderAccountId === alice.accountId);
    await waitFor(() => fromAlice().length === N, 10_000, 'all well-behaved envelopes');
    assert.deepEqual(
      fromAlice().map((d) => d.content[0]),
      Array.from({ length: N }, (_, i) => i),
    );
    assert.ok(wsErrors.length > 20, `hostile frames were answered (${wsErrors.length})`);
    for (const c of wsErrors) assert.ok(KNOWN_CODES.has(c), c);
    assert.ok(wsErrors.includes('MalformedFrame'));
    assert.ok(wsErrors.includes('UnexpectedFrame') || wsErrors.includes('AuthRequired'));
    for (const s of statuses) assert.ok(KNOWN_STATUSES.has(s), String(s));
    assert.ok(!statuses.includes(500), 'no request hit an internal error');
    for (const c of httpCodes) assert.ok(KNOWN_CODES.has(c), c);
    assert.equal(({} as { polluted?: number }).polluted, undefined);
    assert.equal(await t.anon.health(), 'ok');
    aliceConn.close();
    bobConn.close();
  });
});
