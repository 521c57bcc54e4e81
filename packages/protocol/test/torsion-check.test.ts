import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { isCanonicalPublicKey } from '../src/curve.js';
import { isTorsionFreeProjective } from '../src/torsion-check.js';

const Point = ed25519.Point;
type EdPoint = InstanceType<typeof Point>;
const Fp = Point.Fp;
const P = Fp.ORDER;
const L = Point.Fn.ORDER;

/** The 8 points of order dividing 8, from noble's table; index 0 is the identity. */
const TORSION = ED25519_TORSION_SUBGROUP.map((hex) => Point.fromHex(hex));

const fast = (pt: EdPoint): boolean => isTorsionFreeProjective(pt.X, pt.Y, pt.Z);
/** The reference: noble's own [L]P = O test. */
const slow = (pt: EdPoint): boolean => pt.isTorsionFree();

/** The previous isCanonicalPublicKey, on noble alone: the reference for whole-key decisions. */
function slowIsCanonical(u32: Uint8Array): boolean {
  const u = bytesToNumberLE(u32);
  if (u >= P || u === P - 1n) return false;
  const y = Fp.mul(Fp.sub(u, Fp.ONE), Fp.inv(Fp.add(u, Fp.ONE)));
  try {
    return Point.fromBytes(numberToBytesLE(y, 32)).isTorsionFree();
  } catch {
    return false;
  }
}

/** Edwards → Montgomery u = (1 + y) / (1 − y) (not for the identity). */
function montgomeryU(pt: EdPoint): Uint8Array {
  const { y } = pt.toAffine();
  return numberToBytesLE(Fp.mul(Fp.add(Fp.ONE, y), Fp.inv(Fp.sub(Fp.ONE, y))), 32);
}

const scalar = fc.bigInt({ min: 1n, max: L - 1n });
const nonZeroField = fc.bigInt({ min: 1n, max: P - 1n });

void describe('isTorsionFreeProjective() agrees with noble isTorsionFree()', () => {
  void it('uses a torsion table whose points have orders 1, 2, 4 and 8', () => {
    const order = (t: EdPoint): number => [1n, 2n, 4n, 8n].findIndex((n) => t.multiplyUnsafe(n).is0());
    assert.deepEqual(
      TORSION.map((t) => 2 ** order(t)),
      [1, 8, 4, 8, 2, 8, 4, 8],
    );
  });

  void it('accepts random points of the prime-order subgroup', () => {
    fc.assert(
      fc.property(scalar, (k) => {
        const pt = Point.BASE.multiply(k);
        assert.equal(slow(pt), true);
        assert.equal(fast(pt), true);
      }),
      { numRuns: 60 },
    );
  });

  void it('rejects those points plus each torsion point of order 2, 4 and 8', () => {
    fc.assert(
      fc.property(scalar, (k) => {
        const pt = Point.BASE.multiply(k);
        TORSION.forEach((t, i) => {
          const dirty = pt.add(t);
          assert.equal(slow(dirty), i === 0);
          assert.equal(fast(dirty), i === 0, `torsion point ${i}`);
        });
      }),
      { numRuns: 25 },
    );
  });

  void it('treats the small-order points themselves as noble does (only the identity is torsion-free)', () => {
    TORSION.forEach((t, i) => {
      assert.equal(fast(t), slow(t));
      assert.equal(fast(t), i === 0);
    });
  });

  void it('gives the same answer for every projective representative (X : Y : Z) = (λX : λY : λZ)', () => {
    fc.assert(
      fc.property(scalar, fc.integer({ min: 0, max: 7 }), nonZeroField, (k, t, lambda) => {
        const pt = Point.BASE.multiply(k).add(TORSION[t]!);
        const { x, y } = pt.toAffine();
        const expected = slow(pt);
        assert.equal(isTorsionFreeProjective(Fp.mul(x, lambda), Fp.mul(y, lambda), lambda), expected);
        // Unreduced and negative coordinates of the same point, as the arithmetic may produce.
        assert.equal(isTorsionFreeProjective(x + P, y - P, 1n + 2n * P), expected);
        assert.equal(isTorsionFreeProjective(-x, y, 1n), expected); // −P: same subgroup membership
      }),
      { numRuns: 40 },
    );
  });

  void it('agrees on arbitrary decodable points (random 32-byte encodings)', () => {
    let decoded = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        let pt: EdPoint;
        try {
          pt = Point.fromBytes(bytes);
        } catch {
          return; // not a point: nothing to compare
        }
        decoded++;
        assert.equal(fast(pt), slow(pt));
      }),
      { numRuns: 200 },
    );
    assert.ok(decoded > 0);
  });
});

void describe('isCanonicalPublicKey() agrees with the noble-only check', () => {
  void it('on keys of prime-order points, with and without each torsion component', () => {
    fc.assert(
      fc.property(scalar, fc.integer({ min: 1, max: 7 }), (k, t) => {
        const pt = Point.BASE.multiply(k);
        const clean = montgomeryU(pt);
        const dirty = montgomeryU(pt.add(TORSION[t]!));
        assert.equal(isCanonicalPublicKey(clean), true);
        assert.equal(slowIsCanonical(clean), true);
        assert.equal(isCanonicalPublicKey(dirty), false);
        assert.equal(slowIsCanonical(dirty), false);
        assert.equal(isCanonicalPublicKey(Uint8Array.of(0x05, ...dirty)), false);
      }),
      { numRuns: 25 },
    );
  });

  void it('on random u values (twist points, torsion, u ≥ p, the top bit)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (u) => {
        assert.equal(isCanonicalPublicKey(u), slowIsCanonical(u));
        assert.equal(isCanonicalPublicKey(Uint8Array.of(0x05, ...u)), slowIsCanonical(u));
      }),
      { numRuns: 200 },
    );
    for (const u of [0n, 1n, P - 1n, P - 2n, P, P + 1n, 2n ** 255n - 1n]) {
      const bytes = numberToBytesLE(u, 32);
      assert.equal(isCanonicalPublicKey(bytes), slowIsCanonical(bytes), `u = ${u}`);
    }
  });
});
