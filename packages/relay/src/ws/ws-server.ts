// The WebSocket endpoint: `ws` in noServer mode on the HTTP server's upgrade event, at /v1/ws only.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RelayErrorCode } from '@sotto/wire';
import { WsSession } from './ws-session.js';
import type { SessionContext } from './ws-session.js';

export interface WsEndpoint {
  readonly sessions: ReadonlySet<WsSession>;
  /** Stops accepting, tells every client, waits for in-flight submits, closes sockets. */
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, text: string, code?: RelayErrorCode): void {
  // The same JSON error body as the HTTP API, so a refused upgrade says why.
  const body = code === undefined ? '' : JSON.stringify({ error: code });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function attachWebSocket(server: Server, ctx: SessionContext): WsEndpoint {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: ctx.config.maxFrameBytes,
    perMessageDeflate: false, // compression of ciphertext gains nothing and costs memory
    clientTracking: false,
  });
  const sessions = new Set<WsSession>();
  // Sockets not yet authenticated, per remote address: opening them costs an attacker nothing, so
  // one address cannot hold more than maxUnauthenticatedPerIp of them (a connection flood).
  const unauthenticated = new Map<string, number>();
  const release = (ip: string) => {
    const n = (unauthenticated.get(ip) ?? 1) - 1;
    if (n <= 0) unauthenticated.delete(ip);
    else unauthenticated.set(ip, n);
  };
  let closing = false;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/v1/ws') return reject(socket, 404, 'Not Found');
    if (closing) return reject(socket, 503, 'Service Unavailable');
    if (sessions.size >= ctx.config.maxConnections) {
      ctx.metrics.framesRejected.inc({ code: 'TooManyConnections' });
      return reject(socket, 503, 'Service Unavailable', 'TooManyConnections');
    }
    const ip = req.socket.remoteAddress ?? '';
    if ((unauthenticated.get(ip) ?? 0) >= ctx.config.maxUnauthenticatedPerIp) {
      ctx.metrics.framesRejected.inc({ code: 'TooManyConnections' });
      return reject(socket, 503, 'Service Unavailable', 'TooManyConnections');
    }
    unauthenticated.set(ip, (unauthenticated.get(ip) ?? 0) + 1);
    let pending = true;
    const settle = () => {
      if (pending) release(ip);
      pending = false;
    };
    socket.once('close', settle);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ctx.metrics.wsConnections.inc();
      const session = new WsSession(
        ws,
        ctx,
        (s) => {
          settle();
          if (sessions.delete(s)) ctx.metrics.wsConnections.dec();
        },
        req.socket,
      );
      session.onAuthenticated = settle;
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
