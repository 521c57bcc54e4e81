/**
 * A strict, minimal proto2 wire-format reader and writer.
 *
 * Just enough protobuf for Signal's wire messages (`SignalMessage`, `PreKeySignalMessage`), the
 * prekey record structures and the fingerprint scannable form. Hand-written rather than generated
 * so every byte from the network is checked by code we can read:
 * - varints are at most 10 bytes, must fit in 64 bits and must be minimally encoded;
 * - 32-bit fields reject varints that do not fit in 32 bits (prost silently truncates them);
 * - length-delimited fields are bounds-checked against the enclosing buffer;
 * - unknown fields of wire types 0, 1, 2 and 5 are skipped; groups (3, 4) and the reserved wire
 *   types 6 and 7 are rejected, as is field number 0;
 * - nothing here recurses: a nested message is read by the caller with a new reader over the
 *   sub-slice, so the nesting depth is fixed by the schema, never by the input.
 *
 * Every failure is a `ProtocolError('InvalidMessage')`.
 */
import { ProtocolError } from './errors.js';

export const WireType = {
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  Fixed32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

const MAX_FIELD_NUMBER = 0x1fffffff;

function fail(what: string, why: string): never {
  throw new ProtocolError('InvalidMessage', `${what}: ${why}`);
}

/**
 * Sequential reader over one protobuf message. Usage:
 * ```ts
 * const r = new ProtoReader(bytes, 'SignalMessage');
 * while (r.next()) {
 *   switch (r.field) { case 1: key = r.bytes(); break; default: r.skip(); }
 * }
 * ```
 */
export class ProtoReader {
  private pos: number;
  private readonly end: number;
  /** Field number of the field just read by `next()`. */
  field = 0;
  /** Wire type of the field just read by `next()`. */
  wireType: WireType = WireType.Varint;

  constructor(
    private readonly buf: Uint8Array,
    private readonly what = 'protobuf',
  ) {
    this.pos = 0;
    this.end = buf.length;
  }

  /** Reads the next tag; returns false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    const tag = this.varint32('tag');
    const wt = tag & 7;
    const field = tag >>> 3;
    if (field === 0 || field > MAX_FIELD_NUMBER) fail(this.what, 'invalid field number');
    if (wt !== 0 && wt !== 1 && wt !== 2 && wt !== 5) {
      fail(this.what, `unsupported wire type ${wt}`);
    }
    this.field = field;
    this.wireType = wt;
    return true;
  }

  private expectWireType(wt: WireType): void {
    if (this.wireType !== wt) {
      fail(this.what, `field ${this.field} has wire type ${this.wireType}, expected ${wt}`);
    }
  }

  /** A varint that must fit in 32 bits (tags, uint32 fields). */
  private varint32(name: string): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    // Up to 5 bytes for 32 bits; the fifth may only carry the top 4 bits.
    for (let i = 0; i < 5; i++) {
      if (pos >= this.end) fail(this.what, `truncated ${name}`);
      const b = buf[pos++]!;
      if (i === 4) {
        if (b > 0x0f) fail(this.what, `${name} does not fit in 32 bits`);
        result += b * 0x10000000;
      } else {
        result |= (b & 0x7f) << (7 * i);
      }
      if ((b & 0x80) === 0) {
        // Minimal encoding: a final byte of 0 is only allowed when it is the only byte.
        if (b === 0 && i > 0) fail(this.what, `overlong ${name}`);
        this.pos = pos;
        return result;
      }
    }
    return fail(this.what, `${name} does not fit in 32 bits`);
  }

  /** A varint of up to 64 bits. */
  private varint64(name: string): bigint {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0; // bits 0..27
    let hi = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.end) fail(this.what, `truncated ${name}`);
      const b = buf[pos++]!;
      if (i === 9 && b > 1) fail(this.what, `${name} does not fit in 64 bits`);
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else hi |= BigInt(b & 0x7f) << BigInt(7 * i - 28);
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) fail(this.what, `overlong ${name}`);
        this.pos = pos;
        return (hi << 28n) | BigInt(lo >>> 0);
      }
    }
    return fail(this.what, `${name} longer than 10 bytes`);
  }

  /** uint32 field (wire type 0), rejecting values above 2^32−1. */
  uint32(): number {
    this.expectWireType(WireType.Varint);
    return this.varint32(`field ${this.field}`);
  }

  /** uint64 field (wire type 0). */
  uint64(): bigint {
    this.expectWireType(WireType.Varint);
    return this.varint64(`field ${this.field}`);
  }

  /** bool field: only 0 and 1 are accepted. */
  bool(): boolean {
    const v = this.uint32();
    if (v > 1) fail(this.what, `field ${this.field} is not a bool`);
    return v === 1;
  }

  /** Length-delimited field. Returns a view into the input (copy it if you keep it). */
  bytes(): Uint8Array {
    this.expectWireType(WireType.LengthDelimited);
    return this.lengthDelimited();
  }

  private lengthDelimited(): Uint8Array {
    const len = this.varint32(`length of field ${this.field}`);
    if (len > this.end - this.pos) fail(this.what, `field ${this.field} runs past the end`);
    const start = this.pos;
    this.pos += len;
    return this.buf.subarray(start, start + len);
  }

  /** fixed64 field (wire type 1), little-endian. */
  fixed64(): bigint {
    this.expectWireType(WireType.Fixed64);
    const b = this.take(8);
    const lo = BigInt((b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0);
    const hi = BigInt((b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0);
    return (hi << 32n) | lo;
  }

  /** fixed32 field (wire type 5), little-endian. */
  fixed32(): number {
    this.expectWireType(WireType.Fixed32);
    const b = this.take(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  private take(n: number): Uint8Array {
    if (n > this.end - this.pos) fail(this.what, `truncated field ${this.field}`);
    const start = this.pos;
    this.pos += n;
    return this.buf.subarray(start, start + n);
  }

  /** Skips the value of the field just read (for unknown fields). */
  skip(): void {
    switch (this.wireType) {
      case WireType.Varint:
        this.varint64(`field ${this.field}`);
        return;
      case WireType.Fixed64:
        this.take(8);
        return;
      case WireType.LengthDelimited:
        this.lengthDelimited();
        return;
      case WireType.Fixed32:
        this.take(4);
        return;
    }
  }
}

/** Tracks which fields were seen so decoders can reject duplicates of known fields. */
export class SeenFields {
  private bits = 0;
  constructor(private readonly what: string) {}
  /** Marks `field` (1..31) as seen; throws if it already was. */
  mark(field: number): void {
    const bit = 1 << field;
    if (this.bits & bit) fail(this.what, `duplicate field ${field}`);
    this.bits |= bit;
  }
  has(field: number): boolean {
    return (this.bits & (1 << field)) !== 0;
  }
}

/** Number of bytes a varint encoding of `v` (0 ≤ v < 2^32) takes. */
export function varint32Size(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/** Throws unless `v` fits a uint32 field (`field` names it in the error). */
export function checkUint32(field: number, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new ProtocolError('InvalidArgument', `field ${field}: ${v} is not a uint32`);
  }
}

/** Writes `v` (0 ≤ v < 2^32) as a varint at `pos` of `out` (room checked by the caller); returns the end. */
export function putVarint32(out: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[pos++] = v;
  return pos;
}

/**
 * Append-only protobuf writer. Fields are written in the order the caller writes them; Signal's
 * encoders (prost) write in tag order, so callers do too.
 */
export class ProtoWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialCapacity = 64) {
    this.buf = new Uint8Array(initialCapacity);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Raw bytes (e.g. a version prefix before the message). */
  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  private varint32(v: number): void {
    this.reserve(5);
    this.pos = putVarint32(this.buf, this.pos, v);
  }

  private varint64(v: bigint): void {
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  private tag(field: number, wt: WireType): void {
    if (!Number.isInteger(field) || field < 1 || field > MAX_FIELD_NUMBER) {
      throw new ProtocolError('InvalidArgument', `invalid field number ${field}`);
    }
    this.varint32(((field << 3) | wt) >>> 0);
  }

  uint32(field: number, v: number): this {
    checkUint32(field, v);
    this.tag(field, WireType.Varint);
    this.varint32(v);
    return this;
  }

  uint64(field: number, v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) {
      throw new ProtocolError('InvalidArgument', `field ${field}: not a uint64`);
    }
    this.tag(field, WireType.Varint);
    this.varint64(v);
    return this;
  }

  bool(field: number, v: boolean): this {
    return this.uint32(field, v ? 1 : 0);
  }

  bytes(field: number, v: Uint8Array): this {
    this.tag(field, WireType.LengthDelimited);
    this.varint32(v.length);
    return this.raw(v);
  }

  fixed64(field: number, v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) {
      throw new ProtocolError('InvalidArgument', `field ${field}: not a uint64`);
    }
    this.tag(field, WireType.Fixed64);
    this.reserve(8);
    const lo = Number(v & 0xffffffffn);
    const hi = Number(v >> 32n);
    for (let i = 0; i < 4; i++) this.buf[this.pos++] = (lo >>> (8 * i)) & 0xff;
    for (let i = 0; i < 4; i++) this.buf[this.pos++] = (hi >>> (8 * i)) & 0xff;
    return this;
  }

  fixed32(field: number, v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new ProtocolError('InvalidArgument', `field ${field}: ${v} is not a uint32`);
    }
    this.tag(field, WireType.Fixed32);
    this.reserve(4);
    for (let i = 0; i < 4; i++) this.buf[this.pos++] = (v >>> (8 * i)) & 0xff;
    return this;
  }

  /** The bytes written so far (a copy trimmed to size). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  get length(): number {
    return this.pos;
  }
}
