// Strict binary codec for WebSocket frames. Layout (big-endian; "id16" = 16 raw bytes; "dev" = u8 1..127;
// "str" = u8 length + printable ASCII; "blob" = u32 length + bytes):
//   AUTH          01 version:u8 accountId:id16 deviceId:dev secret:32
//   AUTH_OK       02 serverTime:u64
//   ERROR         03 requestId:u32 code:str
//   SUBMIT        10 requestId:u32 recipient:id16 n:u8 n*(deviceId:dev registrationId:u16 envelopeId:16
//                    envelopeType:u8 content:blob)
//   SUBMIT_RESULT 11 requestId:u32 hasError:u8 [code:str] missing:(u8 n, n*dev) extra:(..) stale:(..)
//                    results:(u8 n, n*(deviceId:dev status:str))
//   DELIVER       20 seq:u64 envelopeId:16 sender:id16 senderDevice:dev serverTimestamp:u64 envelopeType:u8
//                    content:blob
//   ACK           21 upTo:u64 n:u16 n*seq:u64
//   QUEUE_EMPTY   22
//   PING / PONG   30 / 31 nonce:u32
// Decoding rejects anything else (unknown type, short or trailing bytes, out-of-range fields) with a
// WireError, and nothing but a WireError ever escapes decodeFrame.
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { bytesToUuid, uuidToBytes } from './bytes.js';
import { isRelayErrorCode, WireError } from './errors.js';
import type { RelayErrorCode } from './errors.js';
import { FRAME_TYPE } from './frames.js';
import type { Frame, SubmitDeviceStatus, SubmitEnvelope } from './frames.js';
import {
  DEVICE_SECRET_BYTES,
  ENVELOPE_ID_BYTES,
  MAX_ACK_LIST,
  MAX_DEVICE_ID,
  MAX_ENVELOPE_CONTENT_BYTES,
  MAX_ENVELOPES_PER_SUBMIT,
  MAX_FRAME_BYTES,
  MAX_REGISTRATION_ID,
  MIN_DEVICE_ID,
  WIRE_VERSION,
} from './limits.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function fail(field: string, why: string): never {
  throw new WireError('InvalidField', `"${field}" ${why}`);
}

function checkInt(v: number, min: number, max: number, field: string): void {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new WireError('FieldOutOfRange', `"${field}" expected an integer in ${min}..${max}, got ${v}`);
}

function checkLen(b: Uint8Array, n: number, field: string): void {
  if (!(b instanceof Uint8Array) || b.length !== n)
    throw new WireError(
      'InvalidLength',
      `"${field}" expected ${n} bytes, got ${b instanceof Uint8Array ? b.length : typeof b}`,
    );
}

function checkMaxLen(b: Uint8Array, max: number, field: string): void {
  if (!(b instanceof Uint8Array) || b.length > max)
    throw new WireError('InvalidLength', `"${field}" expected at most ${max} bytes`);
}

function checkDevice(v: number, field: string): void {
  checkInt(v, MIN_DEVICE_ID, MAX_DEVICE_ID, field);
}

function checkCode(v: string, field: string): RelayErrorCode {
  if (!isRelayErrorCode(v)) fail(field, 'is not a known error code');
  return v;
}

function checkStatus(v: string, field: string): SubmitDeviceStatus {
  return v === 'Accepted' ? v : checkCode(v, field);
}

function checkDistinct(ids: number[], field: string): void {
  if (new Set(ids).size !== ids.length) fail(field, 'has duplicate device ids');
}

function uuidBytes(s: string, field: string): Uint8Array {
  const b = typeof s === 'string' ? uuidToBytes(s) : undefined;
  if (!b) fail(field, 'is not a lower-case UUID');
  return b;
}

function writeDevices(w: ByteWriter, ids: number[], field: string): void {
  checkInt(ids.length, 0, MAX_DEVICE_ID, `${field}.length`);
  ids.forEach((d) => checkDevice(d, field));
  checkDistinct(ids, field);
  w.u8(ids.length);
  ids.forEach((d) => w.u8(d));
}

function readDevice(r: ByteReader, field: string): number {
  const d = r.u8(field);
  checkDevice(d, field);
  return d;
}

function readDevices(r: ByteReader, field: string): number[] {
  const n = r.u8(field);
  checkInt(n, 0, MAX_DEVICE_ID, `${field}.length`);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(readDevice(r, field));
  checkDistinct(ids, field);
  return ids;
}

function readSeq(r: ByteReader, field: string): number {
  const v = r.u64(field);
  checkInt(v, 1, MAX_SAFE, field);
  return v;
}

/** The encoder's reusable writer (a relay encodes a frame per message: no per-frame growth garbage). */
const scratch = new ByteWriter(1024);
let scratchInUse = false;

/** Encodes a frame; throws WireError if a field is out of range (so bad frames are never sent). */
export function encodeFrame(f: Frame): Uint8Array {
  // Encoding never calls back into code that could encode; the flag only guards against a getter on
  // `f` that does, which then gets a writer of its own.
  if (scratchInUse) return encodeWith(new ByteWriter(), f);
  scratchInUse = true;
  try {
    return encodeWith(scratch.reset(), f);
  } finally {
    scratchInUse = false;
  }
}

function encodeWith(w: ByteWriter, f: Frame): Uint8Array {
  switch (f.type) {
    case 'auth':
      checkInt(f.version, 0, 255, 'version');
      checkDevice(f.deviceId, 'deviceId');
      checkLen(f.secret, DEVICE_SECRET_BYTES, 'secret');
      w.u8(FRAME_TYPE.auth)
        .u8(f.version)
        .bytes(uuidBytes(f.accountId, 'accountId'))
        .u8(f.deviceId)
        .bytes(f.secret);
      break;
    case 'authOk':
      checkInt(f.serverTime, 0, MAX_SAFE, 'serverTime');
      w.u8(FRAME_TYPE.authOk).u64(f.serverTime);
      break;
    case 'error':
      checkInt(f.requestId, 0, 0xffffffff, 'requestId');
      w.u8(FRAME_TYPE.error).u32(f.requestId).ascii(checkCode(f.code, 'code'));
      break;
    case 'submit': {
      checkInt(f.requestId, 0, 0xffffffff, 'requestId');
      checkInt(f.envelopes.length, 1, MAX_ENVELOPES_PER_SUBMIT, 'envelopes.length');
      checkDistinct(
        f.envelopes.map((e) => e.deviceId),
        'envelopes',
      );
      w.u8(FRAME_TYPE.submit)
        .u32(f.requestId)
        .bytes(uuidBytes(f.recipient, 'recipient'))
        .u8(f.envelopes.length);
      for (const e of f.envelopes) {
        checkDevice(e.deviceId, 'deviceId');
        checkInt(e.registrationId, 1, MAX_REGISTRATION_ID, 'registrationId');
        checkLen(e.envelopeId, ENVELOPE_ID_BYTES, 'envelopeId');
        checkInt(e.envelopeType, 0, 255, 'envelopeType');
        checkMaxLen(e.content, MAX_ENVELOPE_CONTENT_BYTES, 'content');
        w.u8(e.deviceId).u16(e.registrationId).bytes(e.envelopeId).u8(e.envelopeType).lenBytes(e.content);
      }
      break;
    }
    case 'submitResult': {
      checkInt(f.requestId, 0, 0xffffffff, 'requestId');
      w.u8(FRAME_TYPE.submitResult).u32(f.requestId);
      if (f.error === null) w.u8(0);
      else w.u8(1).ascii(checkCode(f.error, 'error'));
      writeDevices(w, f.missingDevices, 'missingDevices');
      writeDevices(w, f.extraDevices, 'extraDevices');
      writeDevices(w, f.staleDevices, 'staleDevices');
      checkInt(f.results.length, 0, MAX_DEVICE_ID, 'results.length');
      checkDistinct(
        f.results.map((x) => x.deviceId),
        'results',
      );
      w.u8(f.results.length);
      for (const x of f.results) {
        checkDevice(x.deviceId, 'results.deviceId');
        w.u8(x.deviceId).ascii(checkStatus(x.status, 'results.status'));
      }
      break;
    }
    case 'deliver':
      checkInt(f.seq, 1, MAX_SAFE, 'seq');
      checkLen(f.envelopeId, ENVELOPE_ID_BYTES, 'envelopeId');
      checkDevice(f.senderDeviceId, 'senderDeviceId');
      checkInt(f.serverTimestamp, 0, MAX_SAFE, 'serverTimestamp');
      checkInt(f.envelopeType, 0, 255, 'envelopeType');
      checkMaxLen(f.content, MAX_ENVELOPE_CONTENT_BYTES, 'content');
      w.u8(FRAME_TYPE.deliver)
        .u64(f.seq)
        .bytes(f.envelopeId)
        .bytes(uuidBytes(f.senderAccountId, 'senderAccountId'))
        .u8(f.senderDeviceId)
        .u64(f.serverTimestamp)
        .u8(f.envelopeType)
        .lenBytes(f.content);
      break;
    case 'ack':
      checkInt(f.upTo, 0, MAX_SAFE, 'upTo');
      checkInt(f.seqs.length, 0, MAX_ACK_LIST, 'seqs.length');
      if (f.upTo === 0 && f.seqs.length === 0) fail('ack', 'acknowledges nothing');
      w.u8(FRAME_TYPE.ack).u64(f.upTo).u16(f.seqs.length);
      for (const s of f.seqs) {
        checkInt(s, 1, MAX_SAFE, 'seqs');
        w.u64(s);
      }
      break;
    case 'queueEmpty':
      w.u8(FRAME_TYPE.queueEmpty);
      break;
    case 'ping':
    case 'pong':
      checkInt(f.nonce, 0, 0xffffffff, 'nonce');
      w.u8(FRAME_TYPE[f.type]).u32(f.nonce);
      break;
    default: {
      const never: never = f;
      throw new WireError('UnknownFrameType', `cannot encode ${String((never as { type?: unknown }).type)}`);
    }
  }
  const out = w.finish();
  if (out.length > MAX_FRAME_BYTES) throw new WireError('FrameTooLarge', `frame is ${out.length} bytes`);
  return out;
}

function decodeSubmitEnvelope(r: ByteReader): SubmitEnvelope {
  const deviceId = readDevice(r, 'deviceId');
  const registrationId = r.u16('registrationId');
  checkInt(registrationId, 1, MAX_REGISTRATION_ID, 'registrationId');
  const envelopeId = r.bytes(ENVELOPE_ID_BYTES, 'envelopeId');
  const envelopeType = r.u8('envelopeType');
  const content = r.lenBytes(MAX_ENVELOPE_CONTENT_BYTES, 'content');
  return { deviceId, registrationId, envelopeId, envelopeType, content };
}

function decodeBody(type: number, r: ByteReader): Frame {
  switch (type) {
    case FRAME_TYPE.auth: {
      const version = r.u8('version');
      const accountId = bytesToUuid(r.bytes(16, 'accountId'));
      const deviceId = readDevice(r, 'deviceId');
      const secret = r.bytes(DEVICE_SECRET_BYTES, 'secret');
      return { type: 'auth', version, accountId, deviceId, secret };
    }
    case FRAME_TYPE.authOk:
      return { type: 'authOk', serverTime: r.u64('serverTime') };
    case FRAME_TYPE.error: {
      const requestId = r.u32('requestId');
      return { type: 'error', requestId, code: checkCode(r.ascii('code'), 'code') };
    }
    case FRAME_TYPE.submit: {
      const requestId = r.u32('requestId');
      const recipient = bytesToUuid(r.bytes(16, 'recipient'));
      const n = r.u8('envelopes.length');
      checkInt(n, 1, MAX_ENVELOPES_PER_SUBMIT, 'envelopes.length');
      const envelopes: SubmitEnvelope[] = [];
      for (let i = 0; i < n; i++) envelopes.push(decodeSubmitEnvelope(r));
      checkDistinct(
        envelopes.map((e) => e.deviceId),
        'envelopes',
      );
      return { type: 'submit', requestId, recipient, envelopes };
    }
    case FRAME_TYPE.submitResult: {
      const requestId = r.u32('requestId');
      const hasError = r.u8('hasError');
      if (hasError > 1) fail('hasError', 'must be 0 or 1');
      const error = hasError === 1 ? checkCode(r.ascii('error'), 'error') : null;
      const missingDevices = readDevices(r, 'missingDevices');
      const extraDevices = readDevices(r, 'extraDevices');
      const staleDevices = readDevices(r, 'staleDevices');
      const n = r.u8('results.length');
      checkInt(n, 0, MAX_DEVICE_ID, 'results.length');
      const results: SubmitResultRow[] = [];
      for (let i = 0; i < n; i++) {
        const deviceId = readDevice(r, 'results.deviceId');
        results.push({ deviceId, status: checkStatus(r.ascii('results.status'), 'results.status') });
      }
      checkDistinct(
        results.map((x) => x.deviceId),
        'results',
      );
      return { type: 'submitResult', requestId, error, missingDevices, extraDevices, staleDevices, results };
    }
    case FRAME_TYPE.deliver: {
      const seq = readSeq(r, 'seq');
      const envelopeId = r.bytes(ENVELOPE_ID_BYTES, 'envelopeId');
      const senderAccountId = bytesToUuid(r.bytes(16, 'senderAccountId'));
      const senderDeviceId = readDevice(r, 'senderDeviceId');
      const serverTimestamp = r.u64('serverTimestamp');
      const envelopeType = r.u8('envelopeType');
      const content = r.lenBytes(MAX_ENVELOPE_CONTENT_BYTES, 'content');
      return {
        type: 'deliver',
        seq,
        envelopeId,
        senderAccountId,
        senderDeviceId,
        serverTimestamp,
        envelopeType,
        content,
      };
    }
    case FRAME_TYPE.ack: {
      const upTo = r.u64('upTo');
      const n = r.u16('seqs.length');
      checkInt(n, 0, MAX_ACK_LIST, 'seqs.length');
      if (upTo === 0 && n === 0) fail('ack', 'acknowledges nothing');
      const seqs: number[] = [];
      for (let i = 0; i < n; i++) seqs.push(readSeq(r, 'seqs'));
      return { type: 'ack', upTo, seqs };
    }
    case FRAME_TYPE.queueEmpty:
      return { type: 'queueEmpty' };
    case FRAME_TYPE.ping:
      return { type: 'ping', nonce: r.u32('nonce') };
    case FRAME_TYPE.pong:
      return { type: 'pong', nonce: r.u32('nonce') };
    default:
      throw new WireError('UnknownFrameType', `unknown frame type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

type SubmitResultRow = { deviceId: number; status: SubmitDeviceStatus };

export interface DecodeOptions {
  /**
   * Byte fields (envelope ids, contents, secrets) as views into the frame's bytes instead of copies,
   * saving an allocation per field. Only for a caller that reads them while those bytes stay
   * unchanged and never reaches past a view (`.buffer` without `byteOffset`): the relay.
   */
  views?: boolean;
}

/**
 * Decodes one frame. Throws only WireError (any other failure is a bug and is converted, so a socket
 * handler can rely on catching WireError alone).
 */
export function decodeFrame(
  bytes: Uint8Array,
  maxBytes: number = MAX_FRAME_BYTES,
  options: DecodeOptions = {},
): Frame {
  try {
    if (!(bytes instanceof Uint8Array)) throw new WireError('InvalidField', 'frame is not bytes');
    if (bytes.length > maxBytes)
      throw new WireError('FrameTooLarge', `frame is ${bytes.length} bytes, max ${maxBytes}`);
    const r = new ByteReader(bytes, options.views === true);
    const frame = decodeBody(r.u8('type'), r);
    r.end();
    return frame;
  } catch (err) {
    if (err instanceof WireError) throw err;
    throw new WireError('InvalidField', 'malformed frame');
  }
}

/** The WIRE_VERSION this codec speaks (carried in AUTH). */
export const FRAME_CODEC_VERSION = WIRE_VERSION;
