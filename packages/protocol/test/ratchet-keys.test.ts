import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import * as SignalClient from '@signalapp/libsignal-client';
import { chainMessageSeed, chainNextKey, deriveMessageKeys, rootStep } from '../src/ratchet-keys.js';
import { parseSpqrMessage, spqrInitialState, spqrRecvPlan, spqrSend } from '../src/spqr.js';
import { isProtocolError } from '../src/errors.js';
import { testCrypto as crypto } from './helpers/test-crypto.js';

const te = new TextEncoder();
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const lsHkdf = (len: number, ikm: Uint8Array, info: string | Uint8Array, salt: Uint8Array | null) =>
  SignalClient.hkdf(
    len,
    ikm as Uint8Array<ArrayBuffer>,
    (typeof info === 'string' ? te.encode(info) : info) as Uint8Array<ArrayBuffer>,
    salt as Uint8Array<ArrayBuffer> | null,
  );

void describe('ratchet key schedule', () => {
  void it('root step is HKDF(salt=root, dh, "WhisperRatchet") as libsignal computes it', () => {
    fc.assert(
      fc.property(key32, key32, (root, dh) => {
        const [r, c] = rootStep(crypto, root, dh);
        const ref = lsHkdf(64, dh, 'WhisperRatchet', root);
        assert.deepEqual(Buffer.from([...r, ...c]), Buffer.from(ref));
      }),
      { numRuns: 50 },
    );
  });

  void it('message keys use the SPQR key as salt, or none', () => {
    fc.assert(
      fc.property(key32, fc.option(key32, { nil: undefined }), (seed, salt) => {
        const k = deriveMessageKeys(crypto, seed, salt);
        const ref = lsHkdf(80, seed, 'WhisperMessageKeys', salt ?? null);
        assert.deepEqual(Buffer.from([...k.cipherKey, ...k.macKey, ...k.iv]), Buffer.from(ref));
      }),
      { numRuns: 50 },
    );
  });

  void it('chain steps are HMAC(ck, 1) and HMAC(ck, 2)', () => {
    const ck = new Uint8Array(32).fill(7);
    assert.notDeepEqual(chainMessageSeed(crypto, ck), chainNextKey(crypto, ck));
    assert.deepEqual(chainMessageSeed(crypto, ck), crypto.hmacSha256(ck, Uint8Array.of(1)));
    assert.deepEqual(chainNextKey(crypto, ck), crypto.hmacSha256(ck, Uint8Array.of(2)));
  });
});

void describe('minimal SPQR', () => {
  void it('derives the epoch-0 chain from "Chain  Start" and "Chain Next" as the spec says', () => {
    const auth = new Uint8Array(32).fill(9);
    const a = spqrInitialState(crypto, auth, 'A2B');
    const start = lsHkdf(96, auth, 'Signal PQ Ratchet V1 Chain  Start', new Uint8Array(32));
    assert.deepEqual(Buffer.from(a.sendNext), Buffer.from(start.subarray(32, 64)));
    assert.deepEqual(Buffer.from(a.recvNext), Buffer.from(start.subarray(64, 96)));
    const sent = spqrSend(crypto, a);
    const info = Uint8Array.of(0, 0, 0, 1, ...te.encode('Signal PQ Ratchet V1 Chain Next'));
    const next = lsHkdf(64, start.subarray(32, 64), info, new Uint8Array(32));
    assert.deepEqual(Buffer.from(sent.key), Buffer.from(next.subarray(32)));
    assert.deepEqual([...sent.msg], [1, 1, 1, 0]);
  });

  void it('both directions agree for any delivery order within the limits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.nat(), (n, seed) => {
        const auth = crypto.randomBytes(32);
        const a = spqrInitialState(crypto, auth, 'A2B');
        const b = spqrInitialState(crypto, auth, 'B2A');
        const sent = Array.from({ length: n }, () => spqrSend(crypto, a));
        const order = fc.sample(fc.shuffledSubarray(sent, { minLength: n, maxLength: n }), {
          numRuns: 1,
          seed,
        })[0]!;
        for (const s of order) {
          const plan = spqrRecvPlan(crypto, b, s.msg);
          assert.deepEqual(Buffer.from(plan.key!), Buffer.from(s.key));
          plan.apply();
        }
        for (const s of sent) {
          assert.throws(
            () => spqrRecvPlan(crypto, b, s.msg),
            (e) => isProtocolError(e, 'InvalidMessage'),
          );
        }
      }),
      { numRuns: 30 },
    );
  });

  void it('refuses a missing or version-0 payload, other epochs, and jumps over 25,000', () => {
    const b = spqrInitialState(crypto, new Uint8Array(32), 'B2A');
    for (const msg of [
      new Uint8Array(0),
      Uint8Array.of(0),
      Uint8Array.of(1, 2, 1, 0),
      Uint8Array.of(1, 1, 0xd2, 0xc3, 0x01, 0),
    ]) {
      assert.throws(
        () => spqrRecvPlan(crypto, b, msg),
        (e) => isProtocolError(e, 'InvalidMessage'),
      );
    }
    assert.equal(spqrRecvPlan(crypto, b, Uint8Array.of(1, 1, 0, 0)).key, undefined);
    assert.equal(
      spqrRecvPlan(crypto, b, Uint8Array.of(2)).key,
      undefined,
      'future versions carry no key, as libsignal',
    );
  });

  void it('parses every payload type and rejects malformed ones; random bytes only give typed errors', () => {
    assert.equal(parseSpqrMessage(Uint8Array.of(1, 1, 5, 1, 3, ...new Uint8Array(32))).type, 1);
    assert.throws(() => parseSpqrMessage(Uint8Array.of(1, 1, 5, 1, 3, ...new Uint8Array(31))));
    assert.throws(() => parseSpqrMessage(Uint8Array.of(1, 1, 5, 7)));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
        const b = spqrInitialState(crypto, new Uint8Array(32), 'B2A');
        try {
          spqrRecvPlan(crypto, b, bytes);
        } catch (e) {
          assert.ok(isProtocolError(e, 'InvalidMessage'), String(e));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
