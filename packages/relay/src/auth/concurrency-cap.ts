// At most `max` runs of some slow work at once; one more is refused at once rather than queued, so a
// flood costs a bounded amount of CPU and never a growing backlog ahead of everyone else's requests.
export class ConcurrencyCap {
  private running = 0;

  constructor(private readonly max: number) {}

  /** Runs `work` if fewer than `max` runs are in progress; otherwise returns `refused` without it. */
  async run<T, R>(work: () => Promise<T>, refused: R): Promise<T | R> {
    if (this.running >= this.max) return refused;
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
    }
  }
}
