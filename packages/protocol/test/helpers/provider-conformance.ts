/**
 * The CryptoProvider acceptance suite: published known-answer vectors plus the behaviour the
 * session layer relies on (typed errors, small-order rejection). Run against every provider.
 */
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import type { CryptoProvider } from '../../src/crypto-provider.js';
import { fromHex, toHex, utf8 } from '../../src/bytes.js';
import { isProtocolError } from '../../src/errors.js';

const seq = (from: number, to: number): Uint8Array =>
  Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);
const fill = (byte: number, n: number): Uint8Array => new Uint8Array(n).fill(byte);

/** Little-endian 32-byte encoding of a field element (RFC 7748 §5). */
export function leBytes(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

const P = 2n ** 255n - 19n;
/** Every u whose point has order dividing 8 (on the curve or its twist), plus non-canonical aliases. */
export const SMALL_ORDER_U: readonly Uint8Array[] = [
  0n,
  1n,
  P - 1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
  P,
  P + 1n,
].flatMap((u) => {
  const canonical = leBytes(u);
  const highBit = canonical.slice();
  highBit[31]! |= 0x80; // RFC 7748 §5: the top bit is masked, so this is the same u
  return [canonical, highBit];
});

export function providerConformance(p: CryptoProvider): void {
  void describe(`CryptoProvider "${p.name}"`, () => {
    void it('hashes the FIPS 180 "abc" vectors', () => {
      assert.equal(
        toHex(p.sha256(utf8('abc'))),
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
      assert.equal(
        toHex(p.sha512(utf8('abc'))),
        'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
          '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
      );
    });

    void it('computes the RFC 4231 HMAC-SHA256 vectors', () => {
      const big = fill(0xaa, 131);
      const cases: [Uint8Array, Uint8Array, string][] = [
        [
          fill(0x0b, 20),
          utf8('Hi There'),
          'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
        ],
        [
          utf8('Jefe'),
          utf8('what do ya want for nothing?'),
          '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
        ],
        [fill(0xaa, 20), fill(0xdd, 50), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
        [seq(1, 25), fill(0xcd, 50), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'],
        [
          big,
          utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
          '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
        ],
        [
          big,
          utf8(
            'This is a test using a larger than block-size key and a larger than block-size data. ' +
              'The key needs to be hashed before being used by the HMAC algorithm.',
          ),
          '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
        ],
      ];
      for (const [key, data, mac] of cases) assert.equal(toHex(p.hmacSha256(key, data)), mac);
      // Test case 5 is a 128-bit truncation of the full MAC.
      assert.equal(
        toHex(p.hmacSha256(fill(0x0c, 20), utf8('Test With Truncation')).subarray(0, 16)),
        'a3b6167473100ee06e0c796c2955552b',
      );
    });

    void it('derives the RFC 5869 HKDF-SHA256 vectors', () => {
      const ikm = fill(0x0b, 22);
      assert.equal(
        toHex(p.hkdfSha256(ikm, seq(0, 12), seq(0xf0, 0xf9), 42)),
        '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
      );
      // Test case 2: long inputs, 82 bytes out.
      assert.equal(
        toHex(p.hkdfSha256(seq(0x00, 0x4f), seq(0x60, 0xaf), seq(0xb0, 0xff), 82)),
        'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c' +
          '59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71' +
          'cc30c58179ec3e87c14c01d5c1f3434f1d87',
      );
      // Test case 3: zero-length salt and info; an absent salt means the same.
      const okm3 = '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8';
      assert.equal(toHex(p.hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 42)), okm3);
      assert.equal(toHex(p.hkdfSha256(ikm, undefined, new Uint8Array(0), 42)), okm3);
    });

    void it('rejects HKDF output lengths outside RFC 5869 with InvalidArgument', () => {
      for (const len of [-1, 255 * 32 + 1, 1.5, Number.NaN]) {
        assert.throws(
          () => p.hkdfSha256(fill(1, 32), undefined, new Uint8Array(0), len),
          (e) => isProtocolError(e, 'InvalidArgument'),
        );
      }
      assert.equal(p.hkdfSha256(fill(1, 32), undefined, new Uint8Array(0), 255 * 32).length, 255 * 32);
    });

    void it('encrypts the NIST SP 800-38A F.2.5 CBC-AES256 vector (plus one PKCS#7 block)', () => {
      const key = fromHex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4');
      const iv = seq(0, 15);
      const pt = fromHex(
        '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51' +
          '30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
      );
      const nist =
        'f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d' +
        '39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b';
      const ct = p.aes256CbcEncrypt(key, iv, pt);
      assert.equal(ct.length, 80);
      assert.equal(toHex(ct.subarray(0, 64)), nist);
      assert.deepEqual(p.aes256CbcDecrypt(key, iv, ct), pt);
    });

    void it('rejects bad CBC padding, partial blocks and empty ciphertexts with InvalidMessage', () => {
      const key = fill(7, 32);
      const iv = fill(9, 16);
      const ct = p.aes256CbcEncrypt(key, iv, utf8('attack at dawn'));
      const flipped = ct.slice();
      flipped[flipped.length - 1]! ^= 0x01; // garbles the last plaintext block, hence its padding
      const wrongKey = fill(8, 32);
      for (const [k, c] of [
        [key, flipped],
        [key, ct.subarray(0, 15)],
        [key, new Uint8Array(0)],
        [wrongKey, ct],
      ] as const) {
        // A wrong key passes the padding check with probability ~1/256; this fixed one does not.
        assert.throws(
          () => p.aes256CbcDecrypt(k, iv, c),
          (e) => isProtocolError(e, 'InvalidMessage'),
        );
      }
    });

    void it('rejects wrong AES key and IV lengths with InvalidArgument', () => {
      assert.throws(
        () => p.aes256CbcEncrypt(fill(1, 16), fill(1, 16), fill(1, 3)),
        (e) => isProtocolError(e, 'InvalidArgument'),
      );
      assert.throws(
        () => p.aes256CbcDecrypt(fill(1, 32), fill(1, 12), fill(1, 16)),
        (e) => isProtocolError(e, 'InvalidArgument'),
      );
    });

    void it('computes the RFC 7748 §5.2 and §6.1 X25519 vectors', () => {
      assert.equal(
        toHex(
          p.x25519(
            fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
            fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
          ),
        ),
        'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
      );
      // Second §5.2 vector: the input u has its top bit set, which X25519 must mask.
      assert.equal(
        toHex(
          p.x25519(
            fromHex('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'),
            fromHex('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493'),
          ),
        ),
        '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
      );
      const alicePriv = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
      const bobPriv = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
      const alicePub = p.x25519PublicKey(alicePriv);
      const bobPub = p.x25519PublicKey(bobPriv);
      assert.equal(toHex(alicePub), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
      assert.equal(toHex(bobPub), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
      const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
      assert.equal(toHex(p.x25519(alicePriv, bobPub)), shared);
      assert.equal(toHex(p.x25519(bobPriv, alicePub)), shared);
    });

    void it('refuses every small-order public key with InvalidKey (RFC 7748 §6.1)', () => {
      const priv = p.randomBytes(32);
      for (const u of SMALL_ORDER_U) {
        assert.throws(
          () => p.x25519(priv, u),
          (e) => isProtocolError(e, 'InvalidKey'),
          toHex(u),
        );
      }
    });

    void it('rejects wrong X25519 argument lengths with InvalidArgument', () => {
      assert.throws(
        () => p.x25519(fill(1, 31), fill(9, 32)),
        (e) => isProtocolError(e, 'InvalidArgument'),
      );
      assert.throws(
        () => p.x25519(fill(1, 32), fill(9, 33)),
        (e) => isProtocolError(e, 'InvalidArgument'),
      );
      assert.throws(
        () => p.x25519PublicKey(fill(1, 33)),
        (e) => isProtocolError(e, 'InvalidArgument'),
      );
    });

    void it('returns fresh random bytes of the requested length', () => {
      assert.equal(p.randomBytes(0).length, 0);
      const a = p.randomBytes(32);
      const b = p.randomBytes(32);
      assert.equal(a.length, 32);
      assert.notDeepEqual(a, b);
      assert.equal(Object.getPrototypeOf(a), Uint8Array.prototype);
    });

    void it('verifies Ed25519 strictly (RFC 8032 §7.1 test 1), if it offers ed25519Verify', (t) => {
      const verify = p.ed25519Verify;
      if (verify === undefined) return t.diagnostic(`${p.name} has no ed25519Verify (optional)`);
      const pub = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
      const sig = fromHex(
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      );
      assert.equal(verify(pub, new Uint8Array(0), sig), true);
      assert.equal(verify(pub, Uint8Array.of(0), sig), false);
      const flipped = sig.slice();
      flipped[10]! ^= 4;
      assert.equal(verify(pub, new Uint8Array(0), flipped), false);
      // Malformed input is false, not an exception.
      assert.equal(verify(pub.subarray(1), new Uint8Array(0), sig), false);
      assert.equal(verify(pub, new Uint8Array(0), sig.subarray(1)), false);
      assert.equal(verify(new Uint8Array(32).fill(0xff), new Uint8Array(0), sig), false);
    });

    void it('returns plain Uint8Arrays whose slice() copies', () => {
      const outs = [
        p.sha256(fill(1, 3)),
        p.sha512(fill(1, 3)),
        p.hmacSha256(fill(1, 32), fill(2, 3)),
        p.hkdfSha256(fill(1, 32), undefined, fill(2, 3), 80),
        p.aes256CbcEncrypt(fill(1, 32), fill(2, 16), fill(3, 20)),
        p.x25519PublicKey(fill(4, 32)),
        p.x25519(fill(4, 32), p.x25519PublicKey(fill(5, 32))),
      ];
      for (const out of outs) {
        assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
        const copy = out.slice();
        copy[0]! ^= 0xff;
        assert.notEqual(copy[0], out[0]);
      }
    });
  });
}
