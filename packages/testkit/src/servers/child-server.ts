// A server run as a child process: started, watched for a "ready" line, stopped with a signal.
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { ServerError } from './server-errors.js';

export interface ChildServer {
  readonly child: ChildProcess;
  /** The process's output so far (for error messages). */
  output(): string;
  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** Spawns `cmd` and resolves once its stdout/stderr contains `readyText`; rejects if it exits first. */
export function startChild(
  what: string,
  cmd: string,
  args: readonly string[],
  readyText: string,
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<ChildServer> {
  const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let exited = false;
  const exitP = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  const server: ChildServer = {
    child,
    output: () => out,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (exited) return;
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitP;
      clearTimeout(t);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void server.stop('SIGKILL');
      reject(new ServerError('StartFailed', `${what} did not become ready in time:\n${out.slice(-2000)}`));
    }, options.timeoutMs ?? 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 64 * 1024) out = out.slice(-32 * 1024);
      if (out.includes(readyText)) {
        clearTimeout(timer);
        resolve(server);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new ServerError('StartFailed', `${what} could not be started: ${err.message}`));
    });
    void exitP.then(() => {
      clearTimeout(timer);
      reject(new ServerError('StartFailed', `${what} exited during start-up:\n${out.slice(-2000)}`));
    });
  });
}
