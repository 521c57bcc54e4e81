// A throwaway server process that keeps its port and directory across stop()/start() (tests restart
// PostgreSQL and Redis in place): launched on a free loopback port — another one if the port is
// taken before the server binds it — and its directory removed by dispose().
import { rmSync } from 'node:fs';
import type { ChildServer } from './child-server.js';
import { freeLowPort } from './free-port.js';

export interface RestartableServer {
  readonly port: number;
  /** Stops the process (the directory and port stay for start()). */
  stop: () => Promise<void>;
  /** Starts it again on the same port, if stopped. */
  start: () => Promise<void>;
  /** Stops it and removes its directory; idempotent. */
  dispose: () => Promise<void>;
}

export async function startRestartable(
  launch: (port: number) => Promise<ChildServer>,
  dir: string,
  stopSignal: NodeJS.Signals,
): Promise<RestartableServer> {
  let port = 0;
  let child: ChildServer | undefined;
  for (let attempt = 0; ; attempt++) {
    port = await freeLowPort();
    try {
      child = await launch(port);
      break;
    } catch (err) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  let disposed = false;
  return {
    port,
    stop: async () => {
      await child?.stop(stopSignal);
      child = undefined;
    },
    start: async () => {
      if (child) return;
      child = await launch(port);
    },
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      await child?.stop(stopSignal);
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
