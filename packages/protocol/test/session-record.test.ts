import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { SessionRecord } from '../src/session-record.js';
import { decodeSessionState, encodeSessionState, type SessionState } from '../src/session-state.js';
import { isProtocolError } from '../src/errors.js';

const b = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const pub = b(32).map((k) => Uint8Array.of(5, ...k));
const u32 = fc.nat({ max: 0xffffffff });

const stateArb: fc.Arbitrary<SessionState> = fc
  .record({
    localIdentityKey: pub,
    remoteIdentityKey: pub,
    rootKey: b(32),
    previousCounter: u32,
    sender: fc.record({ ratchetPublic: pub, ratchetPrivate: b(32), chainKey: b(32), index: u32 }),
    receiverChains: fc.array(
      fc.record({
        ratchetKey: pub,
        chainKey: b(32),
        index: fc.integer({ min: 100, max: 0xffffffff }),
        skipped: fc.array(fc.record({ index: fc.nat({ max: 99 }), seed: b(32) }), { maxLength: 5 }),
      }),
      { maxLength: 5 },
    ),
    aliceBaseKey: pub,
    localRegistrationId: u32,
    remoteRegistrationId: u32,
    pending: fc.option(
      fc.record({
        preKeyId: fc.option(u32, { nil: undefined }),
        signedPreKeyId: u32,
        baseKey: pub,
        createdMs: fc.nat({ max: 2 ** 50 }),
        kyberPreKeyId: u32,
        kyberCiphertext: b(1568).map((k) => Uint8Array.of(8, ...k)),
      }),
      { nil: undefined },
    ),
    spqr: fc.record({
      sendCtr: u32,
      sendNext: b(32),
      recvCtr: fc.integer({ min: 100, max: 0xffffffff }),
      recvNext: b(32),
      recvPrev: fc
        .uniqueArray(fc.tuple(fc.nat({ max: 99 }), b(32)), { maxLength: 5, selector: (t) => t[0] })
        .map((e) => new Map(e)),
      maxJump: u32,
    }),
  })
  .map((s) => ({ sessionVersion: 4, ...s }));

const norm = (s: SessionState) =>
  JSON.stringify(s, (_k, v: unknown) =>
    v instanceof Uint8Array
      ? Buffer.from(v).toString('hex')
      : v instanceof Map
        ? [...(v as Map<number, Uint8Array>)]
        : v,
  );

void describe('SessionState / SessionRecord serialisation', () => {
  void it('round-trips any state', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        assert.equal(norm(decodeSessionState(encodeSessionState(s))), norm(s));
      }),
      { numRuns: 100 },
    );
  });

  void it('keeps the current state and at most 40 archived states, newest first', () => {
    const states = fc.sample(stateArb, 45);
    const r = SessionRecord.newFresh();
    assert.equal(r.hasCurrentState(), false);
    for (const s of states) r.promoteState(structuredClone(s));
    const back = SessionRecord.deserialize(r.serialize());
    assert.equal(back.previousStateCount, 40);
    assert.equal(norm(back.currentState!), norm(states[44]!));
    const expectedNewestArchived = { ...states[43]!, pending: undefined };
    assert.equal(norm(back.previousState(0)), norm(expectedNewestArchived));
    assert.ok(back.promoteMatchingSession(4, states[10]!.aliceBaseKey));
    assert.equal(norm(back.currentState!), norm({ ...states[10]!, pending: undefined }));
  });

  void it('expires an unacknowledged session after 30 days', () => {
    const [s] = fc.sample(
      stateArb.filter((x) => x.pending !== undefined),
      1,
    );
    const r = SessionRecord.newFresh();
    r.promoteState(s!);
    const t = s!.pending!.createdMs;
    assert.equal(r.hasCurrentState(t + 29 * 86400_000), true);
    assert.equal(r.hasCurrentState(t + 31 * 86400_000), false);
  });

  void it('rejects truncation, trailing bytes and bad magic with InvalidSessionRecord', () => {
    const [s] = fc.sample(stateArb, 1);
    const r = SessionRecord.newFresh();
    r.promoteState(s!);
    const bytes = r.serialize();
    const bad = (x: Uint8Array) =>
      assert.throws(
        () => SessionRecord.deserialize(x),
        (e) => isProtocolError(e, 'InvalidSessionRecord'),
      );
    bad(bytes.subarray(0, bytes.length - 1));
    bad(Uint8Array.of(...bytes, 0));
    bad(Uint8Array.of(0, ...bytes.subarray(1)));
    bad(Uint8Array.of(...bytes.subarray(0, 2), 2, ...bytes.subarray(3)));
  });

  void it('random and mutated bytes only ever produce InvalidSessionRecord', () => {
    const [s] = fc.sample(stateArb, 1);
    const r = SessionRecord.newFresh();
    r.promoteState(s!);
    const good = r.serialize();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat({ max: 255 }), (rand, pos, val) => {
        for (const x of [
          rand,
          Uint8Array.of(0x53, 0x52, 1, ...rand),
          Uint8Array.from(good).fill(val, pos % good.length, (pos % good.length) + 1),
        ]) {
          try {
            SessionRecord.deserialize(x);
          } catch (e) {
            assert.ok(isProtocolError(e, 'InvalidSessionRecord'), String(e));
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
