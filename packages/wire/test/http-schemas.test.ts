import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { toBase64 } from '../src/bytes.js';
import {
  RegisterRequestSchema,
  SubmitRequestSchema,
  UploadKeysRequestSchema,
  UsernameSchema,
  parseUnknown,
} from '../src/http-schemas.js';
import { addDeviceMessage, registrationMessage } from '../src/signed-messages.js';

const key = (n: number, first: number) => {
  const b = new Uint8Array(n).fill(7);
  b[0] = first;
  return toBase64(b);
};

const validRegister = {
  identityKey: key(33, 5),
  registrationId: 42,
  deviceSecret: key(32, 1),
  signature: key(64, 1),
};

void describe('RegisterRequestSchema', () => {
  void it('accepts a well-formed body', () => {
    assert.equal(parseUnknown(RegisterRequestSchema, validRegister).ok, true);
  });

  void it('checks decoded lengths and key type bytes exactly', () => {
    for (const patch of [
      { identityKey: key(32, 5) },
      { identityKey: key(34, 5) },
      { identityKey: key(33, 8) },
      { deviceSecret: key(31, 1) },
      { signature: key(65, 1) },
      { signature: 'not base64!' },
      { registrationId: 0 },
      { registrationId: 0x4000 },
      { registrationId: 1.5 },
      { extra: true },
    ]) {
      assert.equal(
        parseUnknown(RegisterRequestSchema, { ...validRegister, ...patch }).ok,
        false,
        JSON.stringify(patch),
      );
    }
    for (const junk of [null, 1, 'x', [], {}])
      assert.equal(parseUnknown(RegisterRequestSchema, junk).ok, false);
  });
});

void describe('UploadKeysRequestSchema', () => {
  void it('requires at least one key and exact Kyber key sizes', () => {
    assert.equal(parseUnknown(UploadKeysRequestSchema, {}).ok, false);
    assert.equal(parseUnknown(UploadKeysRequestSchema, { preKeys: [] }).ok, false);
    const kyber = { keyId: 1, publicKey: key(1569, 8), signature: key(64, 0) };
    assert.equal(parseUnknown(UploadKeysRequestSchema, { kyberLastResort: kyber }).ok, true);
    assert.equal(
      parseUnknown(UploadKeysRequestSchema, { kyberLastResort: { ...kyber, publicKey: key(1568, 8) } }).ok,
      false,
    );
    const many = Array.from({ length: 101 }, (_, i) => ({ keyId: i + 1, publicKey: key(33, 5) }));
    assert.equal(parseUnknown(UploadKeysRequestSchema, { preKeys: many }).ok, false);
  });
});

void describe('SubmitRequestSchema', () => {
  const env = (deviceId: number) => ({
    deviceId,
    registrationId: 1,
    envelopeId: key(16, 0),
    envelopeType: 1,
    content: toBase64(new Uint8Array(10)),
  });
  void it('accepts distinct devices and rejects duplicates, empty lists and oversize content', () => {
    assert.equal(parseUnknown(SubmitRequestSchema, { envelopes: [env(1), env(2)] }).ok, true);
    assert.equal(parseUnknown(SubmitRequestSchema, { envelopes: [env(1), env(1)] }).ok, false);
    assert.equal(parseUnknown(SubmitRequestSchema, { envelopes: [] }).ok, false);
    const big = { ...env(1), content: toBase64(new Uint8Array(64 * 1024 + 1)) };
    assert.equal(parseUnknown(SubmitRequestSchema, { envelopes: [big] }).ok, false);
  });
});

void describe('UsernameSchema', () => {
  void it('accepts letters, digits and underscores starting with a letter', () => {
    for (const ok of ['abc', 'Alice_1', 'a'.repeat(32)])
      assert.equal(UsernameSchema.safeParse(ok).success, true, ok);
    for (const bad of ['ab', '1abc', '_abc', 'a'.repeat(33), 'al ice', 'alïce', 'a-b'])
      assert.equal(UsernameSchema.safeParse(bad).success, false, bad);
  });
});

void describe('signed messages', () => {
  void it('are domain-separated and bind every field', () => {
    const ik = new Uint8Array(33).fill(5);
    const secret = new Uint8Array(32).fill(9);
    const a = registrationMessage(ik, 1, secret);
    assert.notDeepEqual(a, registrationMessage(ik, 2, secret));
    assert.notDeepEqual(a, registrationMessage(ik, 1, new Uint8Array(32)));
    const d = addDeviceMessage('00000000-0000-4000-8000-000000000001', 1, secret);
    assert.notDeepEqual(a.subarray(0, 20), d.subarray(0, 20));
    assert.throws(() => registrationMessage(new Uint8Array(32), 1, secret), RangeError);
  });
});
