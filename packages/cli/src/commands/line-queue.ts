// The lines of an input, kept from the moment it is opened until someone asks for them. readline
// emits 'line' and 'close' whether or not anyone listens: `sotto chat` fed from a pipe reads its
// whole input while it is still unlocking the store and connecting, and would otherwise lose every
// line and the end of input (then wait forever).
import type { Interface } from 'node:readline';

export interface LineQueue {
  /** The next line, in input order; null once the input ended (or was closed) and all were taken. */
  next(): Promise<string | null>;
}

/** Starts collecting `rl`'s lines and its end now; call right after createInterface. */
export function queueLines(rl: Interface): LineQueue {
  const lines: string[] = [];
  let ended = false;
  let waiter: ((line: string | null) => void) | undefined;
  const wake = () => {
    const w = waiter;
    if (w === undefined) return;
    if (lines.length > 0) {
      waiter = undefined;
      w(lines.shift() ?? '');
    } else if (ended) {
      waiter = undefined;
      w(null);
    }
  };
  rl.on('line', (line) => {
    lines.push(line);
    wake();
  });
  rl.on('close', () => {
    ended = true;
    wake();
  });
  return {
    next: () =>
      new Promise((resolve) => {
        if (waiter !== undefined) throw new Error('LineQueue.next: one reader at a time');
        waiter = resolve;
        wake();
      }),
  };
}
