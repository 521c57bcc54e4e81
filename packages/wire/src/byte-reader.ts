import { WireError } from './errors.js';

/** Bounds-checked big-endian reader; every failure is a WireError. */
export class ByteReader {
  private offset = 0;
  private readonly view: DataView;
  /**
   * @param views `bytes()` returns views into `input` instead of copies: no allocation per field, for
   *   callers that only read the fields while `input` stays unchanged.
   */
  constructor(
    private readonly input: Uint8Array,
    private readonly views = false,
  ) {
    this.view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  }

  get remaining(): number {
    return this.input.length - this.offset;
  }

  private need(n: number, field: string): void {
    if (this.remaining < n)
      throw new WireError('Truncated', `"${field}" needs ${n} bytes, ${this.remaining} left`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.offset++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  /** u64 restricted to Number.MAX_SAFE_INTEGER so it stays a plain number. */
  u64(field: string): number {
    const hi = this.u32(field);
    const lo = this.u32(field);
    if (hi > 0x1fffff) throw new WireError('FieldOutOfRange', `"${field}" exceeds 2^53-1`);
    return hi * 0x1_0000_0000 + lo;
  }

  /**
   * The next n bytes: a copy, or a view with `views` (a plain Uint8Array even when the input is a
   * Node Buffer, either way).
   */
  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = new Uint8Array(this.input.buffer, this.input.byteOffset + this.offset, n);
    this.offset += n;
    return this.views ? out : out.slice();
  }

  /** u32 length prefix, then that many bytes, at most max. */
  lenBytes(max: number, field: string): Uint8Array {
    const n = this.u32(field);
    if (n > max) throw new WireError('InvalidLength', `"${field}" is ${n} bytes, max ${max}`);
    return this.bytes(n, field);
  }

  /** u8 length prefix, then printable ASCII. */
  ascii(field: string): string {
    const n = this.u8(field);
    const b = this.bytes(n, field);
    let s = '';
    for (const c of b) {
      if (c < 0x20 || c > 0x7e) throw new WireError('InvalidField', `"${field}" is not printable ASCII`);
      s += String.fromCharCode(c);
    }
    return s;
  }

  end(): void {
    if (this.remaining !== 0) throw new WireError('TrailingBytes', `${this.remaining} trailing bytes`);
  }
}
