// The sealed device link (link-transfer.ts): only the device that made the request can open it, and
// any change to the sealed bytes, the request or the key is refused with a typed error.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
} from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { defaultCrypto } from '@sotto/protocol';
import {
  LINK_REQUEST_BYTES,
  createLinkRequest,
  openDeviceLink,
  sealDeviceLink,
} from '../src/messenger/link-transfer.js';
import { MessengerError } from '../src/messenger/errors.js';

const refused = (f: () => unknown) =>
  assert.throws(f, (e: unknown) => MessengerError.is(e) && e.code === 'InvalidArgument');

void describe('sealed device links', () => {
  void it('opens with the request it was sealed to, for any link', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (link) => {
        const req = createLinkRequest();
        assert.equal(req.request.length, LINK_REQUEST_BYTES);
        const sealed = sealDeviceLink(link, req.request);
        assert.deepEqual(openDeviceLink(sealed, req), link);
      }),
      { numRuns: 50 },
    );
  });

  void it('does not carry the link in the clear, and never seals twice the same way', () => {
    const link = new TextEncoder().encode('identityPrivate=' + 'ab'.repeat(32));
    const req = createLinkRequest();
    const a = sealDeviceLink(link, req.request);
    const b = sealDeviceLink(link, req.request);
    assert.notDeepEqual(a, b);
    const text = Buffer.from(a).toString('latin1');
    assert.equal(text.includes('identityPrivate'), false);
    assert.equal(text.includes('ab'.repeat(32)), false);
  });

  void it('refuses another request, a flipped bit anywhere, truncation and extension', () => {
    const link = new Uint8Array(200).fill(7);
    const req = createLinkRequest();
    const sealed = sealDeviceLink(link, req.request);
    refused(() => openDeviceLink(sealed, createLinkRequest()));
    fc.assert(
      fc.property(fc.nat(sealed.length * 8 - 1), (bit) => {
        const bad = sealed.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        refused(() => openDeviceLink(bad, req));
      }),
      { numRuns: 300 },
    );
    refused(() => openDeviceLink(sealed.subarray(0, sealed.length - 1), req));
    refused(() => openDeviceLink(new Uint8Array([...sealed, 0]), req));
    refused(() => openDeviceLink(sealed.subarray(0, 20), req));
    refused(() => openDeviceLink(new Uint8Array(5000).fill(1), req));
  });

  void it('is bound to the request key: a sealed link replayed against a changed request fails', () => {
    const req = createLinkRequest();
    const sealed = sealDeviceLink(new Uint8Array(10), req.request);
    const other = createLinkRequest();
    // The right private key, paired with another public request (a substituted request in the AAD).
    refused(() => openDeviceLink(sealed, { request: other.request, privateKey: req.privateKey }));
  });

  void it('refuses malformed requests and low-order keys', () => {
    const link = new Uint8Array(10);
    refused(() => sealDeviceLink(link, new Uint8Array(LINK_REQUEST_BYTES - 1)));
    const wrongVersion = createLinkRequest().request.slice();
    wrongVersion[0] = 2;
    refused(() => sealDeviceLink(link, wrongVersion));
    // u = 0 and u = 1 are points of small order: the agreement would be all zeros.
    for (const u of [0, 1]) {
      const req = new Uint8Array(LINK_REQUEST_BYTES);
      req[0] = 1;
      req[1] = u;
      refused(() => sealDeviceLink(link, req));
    }
  });

  void it('makes a real X25519 key: OpenSSL agrees on the shared secret', () => {
    const req = createLinkRequest();
    const peer = generateKeyPairSync('x25519');
    const reqKey = createPublicKey({
      key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(req.request.subarray(1)).toString('base64url') },
      format: 'jwk',
    });
    const peerRaw = Buffer.from(peer.publicKey.export({ format: 'jwk' }).x!, 'base64url');
    assert.deepEqual(
      new Uint8Array(diffieHellman({ privateKey: peer.privateKey, publicKey: reqKey })),
      defaultCrypto().x25519(req.privateKey, new Uint8Array(peerRaw)),
    );
  });
});

void describe('sealed device links: the construction itself', () => {
  const INFO = new TextEncoder().encode('Sotto device link transfer v1');
  /** X25519 through OpenSSL (node:crypto), from a raw 32-byte private key. */
  const dh = (privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array => {
    const pub = x25519PublicKeyObject(publicKey);
    const priv = createPrivateKey({
      key: {
        kty: 'OKP',
        crv: 'X25519',
        d: Buffer.from(privateKey).toString('base64url'),
        x: Buffer.from(defaultCrypto().x25519PublicKey(privateKey)).toString('base64url'),
      },
      format: 'jwk',
    });
    return new Uint8Array(diffieHellman({ privateKey: priv, publicKey: pub }));
  };
  const keyFor = (shared: Uint8Array, e: Uint8Array, r: Uint8Array) =>
    hkdf(sha256, shared, new Uint8Array([...e, ...r]), INFO, 32);

  void it('only the request PRIVATE key opens it: the right request with another private key is refused', () => {
    const req = createLinkRequest();
    const sealed = sealDeviceLink(new Uint8Array(10).fill(9), req.request);
    refused(() =>
      openDeviceLink(sealed, { request: req.request, privateKey: createLinkRequest().privateKey }),
    );
  });

  void it('matches an independent implementation of the format in both directions (OpenSSL X25519, HKDF, GCM)', () => {
    const link = new TextEncoder().encode('a device link');
    const req = createLinkRequest();
    const r = req.request.subarray(1);
    // Ours sealed, opened by hand.
    const sealed = sealDeviceLink(link, req.request);
    assert.equal(sealed[0], 1);
    const e = sealed.subarray(1, 33);
    const nonce = sealed.subarray(33, 45);
    const aad = new Uint8Array([1, ...e, ...r]);
    assert.deepEqual(gcm(keyFor(dh(req.privateKey, e), e, r), nonce, aad).decrypt(sealed.subarray(45)), link);
    // Sealed by hand, opened by ours.
    const eph = new Uint8Array(randomBytes(32));
    const e2 = defaultCrypto().x25519PublicKey(eph);
    const n2 = new Uint8Array(randomBytes(12));
    const ct = gcm(keyFor(dh(eph, r), e2, r), n2, new Uint8Array([1, ...e2, ...r])).encrypt(link);
    assert.deepEqual(openDeviceLink(new Uint8Array([1, ...e2, ...n2, ...ct]), req), link);
  });

  void it('refuses a sealed link whose ephemeral key is of small order, and a malformed request on open', () => {
    const req = createLinkRequest();
    const good = sealDeviceLink(new Uint8Array(4), req.request);
    const smallOrder = [
      '00'.repeat(32),
      '01' + '00'.repeat(31),
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    for (const u of smallOrder) {
      const bad = good.slice();
      bad.set(Buffer.from(u, 'hex'), 1);
      refused(() => openDeviceLink(bad, req));
    }
    refused(() => openDeviceLink(good, { request: req.request.subarray(1), privateKey: req.privateKey }));
    refused(() => openDeviceLink(good, { request: new Uint8Array(34), privateKey: req.privateKey }));
  });

  void it('refuses to seal a link too long for a code the other side would accept', () => {
    refused(() => sealDeviceLink(new Uint8Array(5000), createLinkRequest().request));
  });
});

function x25519PublicKeyObject(raw: Uint8Array) {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}
