// The sealed device link (link-transfer.ts): only the device that made the request can open it, and
// any change to the sealed bytes, the request or the key is refused with a typed error.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
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
