// The WebSocket endpoint: `ws` in noServer mode on the HTTP server's upgrade event, at /v1/ws only.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { WsSession } from './ws-session.js';
import type { SessionContext } from './ws-session.js';

export interface WsEndpoint {
  readonly sessions: ReadonlySet<WsSession>;
  /** Stops accepting, tells every client, waits for in-flight submits, closes sockets. */
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export function attachWebSocket(server: Server, ctx: SessionContext): WsEndpoint {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: ctx.config.maxFrameBytes,
    perMessageDeflate: false, // compression of ciphertext gains nothing and costs memory
    clientTracking: false,
  });
  const sessions = new Set<WsSession>();
  let closing = false;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/v1/ws') return reject(socket, 404, 'Not Found');
    if (closing) return reject(socket, 503, 'Service Unavailable');
    if (sessions.size >= ctx.config.maxConnections) {
      ctx.metrics.framesRejected.inc({ code: 'TooManyConnections' });
      return reject(socket, 503, 'Service Unavailable');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ctx.metrics.wsConnections.inc();
      const session = new WsSession(
        ws,
        ctx,
        (s) => {
          if (sessions.delete(s)) ctx.metrics.wsConnections.dec();
        },
        req.socket,
      );
      sessions.add(session);
    });
  });

  return {
    sessions,
    async close() {
      closing = true;
      const deadline = Date.now() + 5000;
      // Let submits already being written finish (their senders then get their result).
      while ([...sessions].some((s) => s.busy) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      for (const s of [...sessions]) s.shutdown();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
