// WebSocket frames are buffered whole by `ws` until they are complete, up to maxFrameBytes each. One
// connection is bounded by that, but many connections that each begin a large frame and never finish
// it are not: maxConnections × maxFrameBytes is tens of GiB with the defaults. This budget bounds the
// bytes of frames in progress on all connections together. When it is exceeded, the connections
// holding the most are cut (the ones growing large frames), until a quarter of it is free again;
// connections that send the usual small, complete frames hold almost nothing and are left alone.

/** One connection's share: bytes received since its last complete frame. */
export class FrameMeter {
  /** Bytes of the frame in progress (an underestimate by less than one socket read, see below). */
  pending = 0;

  constructor(
    private readonly budget: FrameBudget,
    /** Ends the connection when the budget sheds it. */
    readonly cut: () => void,
  ) {}

  /**
   * A socket read of `n` bytes, counted BEFORE `ws` parses it (a prepended 'data' listener): the
   * frames it completes then call complete(), so what a read starts but does not finish is not
   * counted until the next read — by less than one read.
   */
  received(n: number): void {
    this.budget.add(this, n);
  }

  /** A frame (message, ping or pong) was completed, or the connection ended. */
  complete(): void {
    this.budget.release(this);
  }
}

export class FrameBudget {
  private total = 0;
  /** Meters with pending bytes. */
  private readonly holders = new Set<FrameMeter>();

  constructor(readonly totalBytes: number) {}

  meter(cut: () => void): FrameMeter {
    return new FrameMeter(this, cut);
  }

  /** Bytes in progress on all connections. */
  get inProgress(): number {
    return this.total;
  }

  add(m: FrameMeter, n: number): void {
    m.pending += n;
    this.total += n;
    this.holders.add(m);
    if (this.total > this.totalBytes) this.shed();
  }

  release(m: FrameMeter): void {
    this.total -= m.pending;
    m.pending = 0;
    this.holders.delete(m);
  }

  private shed(): void {
    // Only under attack (or a misconfigured budget): sorting the holders is then affordable.
    const biggest = [...this.holders].sort((a, b) => b.pending - a.pending);
    for (const m of biggest) {
      if (this.total <= 0.75 * this.totalBytes) return;
      this.release(m);
      m.cut();
    }
  }
}
