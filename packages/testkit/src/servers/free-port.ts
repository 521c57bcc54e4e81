// Picks a free loopback TCP port BELOW the ephemeral range (32768+): a server we start ourselves on an
// ephemeral port can collide with an outgoing connection's source port (seen once here; SCALE.md).
import { createServer } from 'node:net';

const LOW = 20_000;
const HIGH = 32_000;

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

const taken = new Set<number>();

/** A port in 20000..31999 that was free a moment ago (and not handed out earlier by this process). */
export async function freeLowPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (taken.has(port)) continue;
    if (await tryListen(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port found in 20000..31999');
}
