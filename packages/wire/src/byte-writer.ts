/** A reused writer gives back buffers above this size (one huge frame should not pin its memory). */
const KEEP_MAX_BYTES = 1 << 20;

/**
 * Growable big-endian writer used by the frame encoder. It can be reused (`reset`): the encoder keeps
 * one, so encoding a frame allocates only its result instead of every doubling of a fresh buffer.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(private readonly capacity = 64) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Empties the writer, keeping its buffer unless one large frame grew it past 1 MiB. */
  reset(): this {
    if (this.buf.length > KEEP_MAX_BYTES) {
      this.buf = new Uint8Array(this.capacity);
      this.view = new DataView(this.buf.buffer);
    }
    this.length = 0;
    return this;
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
    return this;
  }

  u64(v: number): this {
    this.u32(Math.floor(v / 0x1_0000_0000));
    return this.u32(v >>> 0);
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  lenBytes(b: Uint8Array): this {
    return this.u32(b.length).bytes(b);
  }

  ascii(s: string): this {
    this.u8(s.length);
    for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i));
    return this;
  }

  /** A copy of what was written (the writer's buffer is reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
