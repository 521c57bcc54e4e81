/**
 * Tiny fixed-layout binary writer/reader for Sotto's own on-disk formats (session records).
 * Big-endian integers, fixed-size byte fields, explicit counts. The reader is strict: every read is
 * bounds-checked and a decoder must call `end()` so trailing bytes are rejected. Failures throw
 * `ProtocolError(code)` with the code the owning format chose.
 */
import { ProtocolError, type ProtocolErrorCode } from './errors.js';

export class BinWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(capacity = 512) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    this.reserve(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }

  /** A non-negative integer up to 2^53 (timestamps in ms). */
  u64(v: number): this {
    this.reserve(8);
    this.view.setUint32(this.pos, Math.floor(v / 0x100000000));
    this.view.setUint32(this.pos + 4, v >>> 0);
    this.pos += 8;
    return this;
  }

  /** Fixed-size bytes (the reader must know the size). */
  fixed(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Length-prefixed (u32) bytes. */
  bytes(b: Uint8Array): this {
    this.u32(b.length);
    return this.fixed(b);
  }

  finish(): Uint8Array {
    return this.pos === this.buf.length ? this.buf : this.buf.slice(0, this.pos);
  }
}

export class BinReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    private readonly code: ProtocolErrorCode,
    private readonly what: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(why: string): never {
    throw new ProtocolError(this.code, `${this.what}: ${why}`);
  }

  private need(n: number): void {
    if (n > this.buf.length - this.pos) this.fail('truncated');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const hi = this.view.getUint32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    if (hi > 0x1fffff) this.fail('integer out of range');
    return hi * 0x100000000 + lo;
  }

  bool(): boolean {
    const v = this.u8();
    if (v > 1) this.fail('invalid boolean');
    return v === 1;
  }

  /**
   * Fixed-size bytes as a VIEW into the input: decoders that keep the result must own the input
   * (the session record decoder copies its input once, instead of copying every field).
   */
  fixed(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Length-prefixed bytes with an upper bound. */
  bytes(max: number): Uint8Array {
    const n = this.u32();
    if (n > max) this.fail('field too long');
    return this.fixed(n);
  }

  end(): void {
    if (this.pos !== this.buf.length) this.fail('trailing bytes');
  }
}
