// fast-check generators for every frame kind (test helper, not a test file).
import fc from 'fast-check';
import { RELAY_ERROR_CODES } from '../src/errors.js';
import type { Frame } from '../src/frames.js';
import { bytesToUuid } from '../src/bytes.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const seq = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const device = fc.integer({ min: 1, max: 127 });
const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(bytesToUuid);
const id16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const code = fc.constantFrom(...RELAY_ERROR_CODES);
const content = fc.uint8Array({ maxLength: 300 });
const devices = fc.uniqueArray(device, { maxLength: 10 });

export const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    type: fc.constant('auth' as const),
    version: fc.integer({ min: 0, max: 255 }),
    accountId: uuid,
    deviceId: device,
    secret: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  }),
  fc.record({ type: fc.constant('authOk' as const), serverTime: safe }),
  fc.record({ type: fc.constant('error' as const), requestId: u32, code }),
  fc.record({
    type: fc.constant('submit' as const),
    requestId: u32,
    recipient: uuid,
    envelopes: fc.uniqueArray(device, { minLength: 1, maxLength: 6 }).chain((ids) =>
      fc.tuple(
        ...ids.map((deviceId) =>
          fc.record({
            deviceId: fc.constant(deviceId),
            registrationId: fc.integer({ min: 1, max: 0x3fff }),
            envelopeId: id16,
            envelopeType: fc.integer({ min: 0, max: 255 }),
            content,
          }),
        ),
      ),
    ),
  }),
  fc.record({
    type: fc.constant('submitResult' as const),
    requestId: u32,
    error: fc.option(code, { nil: null }),
    missingDevices: devices,
    extraDevices: devices,
    staleDevices: devices,
    results: fc.uniqueArray(device, { maxLength: 6 }).chain((ids) =>
      fc.tuple(
        ...ids.map((deviceId) =>
          fc.record({
            deviceId: fc.constant(deviceId),
            status: fc.oneof(fc.constant('Accepted' as const), code),
          }),
        ),
      ),
    ),
  }),
  fc.record({
    type: fc.constant('deliver' as const),
    seq,
    envelopeId: id16,
    senderAccountId: uuid,
    senderDeviceId: device,
    serverTimestamp: safe,
    envelopeType: fc.integer({ min: 0, max: 255 }),
    content,
  }),
  fc
    .record({ type: fc.constant('ack' as const), upTo: safe, seqs: fc.array(seq, { maxLength: 20 }) })
    .filter((a) => a.upTo > 0 || a.seqs.length > 0),
  fc.constant({ type: 'queueEmpty' as const }),
  fc.record({ type: fc.constant('ping' as const), nonce: u32 }),
  fc.record({ type: fc.constant('pong' as const), nonce: u32 }),
);
