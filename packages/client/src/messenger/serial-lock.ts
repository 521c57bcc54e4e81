/**
 * A promise-chain mutex: every change to local state (decrypt, encrypt, key maintenance, contact
 * edits) runs one at a time, so two ratchet steps on the same session can never interleave.
 * Network waits happen OUTSIDE the lock.
 */
export class SerialLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
