// An in-memory CliIO for running `sotto` in-process.
import type { CliIO } from '../src/io.js';

export interface FakeIO extends CliIO {
  out: string;
  err: string;
  signal(s: 'SIGINT' | 'SIGTERM'): void;
}

export function fakeIO(env: Record<string, string | undefined> = {}): FakeIO {
  const handlers = new Set<(s: 'SIGINT' | 'SIGTERM') => void>();
  const io: FakeIO = {
    out: '',
    err: '',
    env,
    stdout: (t) => void (io.out += t),
    stderr: (t) => void (io.err += t),
    onSignal: (h) => {
      handlers.add(h);
      return () => void handlers.delete(h);
    },
    signal: (s) => {
      for (const h of [...handlers]) h(s);
    },
  };
  return io;
}
