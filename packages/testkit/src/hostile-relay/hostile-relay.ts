// A hostile relay for tests: an intercepting proxy on 127.0.0.1:0 in front of a REAL relay. Clients
// are pointed at the proxy's URL; every HTTP request and WebSocket frame passes through it, and a test
// installs rules that rewrite, drop, duplicate, hold back, reorder or forge what each side sees
// (issue 7: "a relay variant or an intercepting proxy in front of the real one"). Used only by tests.
import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { decodeFrame, encodeFrame } from '@sotto/wire';
import type { Frame } from '@sotto/wire';

/** One client connection through the proxy (one client socket, one upstream socket). */
export interface ProxiedConnection {
  readonly id: number;
  /** From the client's AUTH frame, once it has passed through (null before). */
  readonly accountId: string | null;
  readonly deviceId: number | null;
  /** Sends a frame to the client as if the relay had sent it (bypasses the rules). */
  toClient(frame: Frame): void;
  /** Sends a frame to the relay as if the client had sent it (bypasses the rules). */
  toRelay(frame: Frame): void;
  /** Sends raw bytes to the client (need not decode as a frame). */
  rawToClient(bytes: Uint8Array): void;
}

/** A rule sees each decoded frame and returns what to forward instead: [] drops, [f, f] duplicates. */
export type FrameRule = (frame: Frame, conn: ProxiedConnection) => Frame[];

/** Rewrites the parsed JSON body of a prekey bundle response (GET /v1/keys/:accountId/:deviceId). */
export type BundleRule = (bundle: BundleJson, target: { accountId: string; device: string }) => void;

/** The JSON shape of a bundle as served (base64 fields); loose on purpose: attacks edit it freely. */
export interface BundleJson {
  identityKey: string;
  devices: {
    deviceId: number;
    registrationId: number;
    signedPreKey: { keyId: number; publicKey: string; signature: string };
    preKey?: { keyId: number; publicKey: string } | null;
    kyberPreKey: { keyId: number; publicKey: string; signature: string };
  }[];
}

/** A frame as it crossed the proxy (after the rules: what the other side actually received). */
export interface SeenFrame {
  dir: 'toClient' | 'toRelay';
  conn: number;
  accountId: string | null;
  frame: Frame;
}

export interface HostileRelay {
  /** Point clients here (http://127.0.0.1:PORT); the WebSocket is at the same origin /v1/ws. */
  readonly url: string;
  /** Every frame forwarded, both directions, in order (an honest-but-curious relay's view). */
  readonly seen: readonly SeenFrame[];
  readonly connections: readonly ProxiedConnection[];
  /** Replaces the rule for relay → client frames (null: pass through). */
  toClient(rule: FrameRule | null): void;
  /** Replaces the rule for client → relay frames (null: pass through). */
  toRelay(rule: FrameRule | null): void;
  /** Replaces the rule that edits prekey bundles (null: pass through). */
  bundles(rule: BundleRule | null): void;
  close(): Promise<void>;
}

const BUNDLE_PATH = /^\/v1\/keys\/([0-9a-f-]{36})\/([^/?]+)$/;

export async function startHostileRelay(upstreamUrl: string): Promise<HostileRelay> {
  const upstream = new URL(upstreamUrl);
  let clientRule: FrameRule | null = null;
  let relayRule: FrameRule | null = null;
  let bundleRule: BundleRule | null = null;
  const seen: SeenFrame[] = [];
  const connections: ProxiedConnection[] = [];
  const sockets = new Set<WebSocket>();

  const forwardHttp = (req: IncomingMessage, res: ServerResponse) => {
    const bundle = req.method === 'GET' ? BUNDLE_PATH.exec((req.url ?? '').split('?')[0]!) : null;
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (upRes) => {
        const rule = bundleRule;
        if (!bundle || !rule || upRes.statusCode !== 200) {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BundleJson;
          rule(body, { accountId: bundle[1]!, device: bundle[2]! });
          const out = Buffer.from(JSON.stringify(body));
          const headers = { ...upRes.headers, 'content-length': String(out.length) };
          delete headers['transfer-encoding']; // the body is re-sent whole, with its length
          res.writeHead(200, headers);
          res.end(out);
        });
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  };

  const server = createServer(forwardHttp);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 << 20 });
  let nextId = 1;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    wss.handleUpgrade(req, socket, head, (client) => {
      const up = new WebSocket(`ws://${upstream.host}${req.url ?? '/v1/ws'}`, { perMessageDeflate: false });
      sockets.add(client);
      sockets.add(up);
      const pendingUp: Uint8Array[] = [];
      const conn = {
        id: nextId++,
        accountId: null as string | null,
        deviceId: null as number | null,
        toClient(frame: Frame) {
          seen.push({ dir: 'toClient', conn: conn.id, accountId: conn.accountId, frame });
          if (client.readyState === WebSocket.OPEN) client.send(encodeFrame(frame));
        },
        toRelay(frame: Frame) {
          if (frame.type === 'auth') {
            conn.accountId = frame.accountId;
            conn.deviceId = frame.deviceId;
          }
          seen.push({ dir: 'toRelay', conn: conn.id, accountId: conn.accountId, frame });
          const bytes = encodeFrame(frame);
          if (up.readyState === WebSocket.OPEN) up.send(bytes);
          else pendingUp.push(bytes);
        },
        rawToClient(bytes: Uint8Array) {
          if (client.readyState === WebSocket.OPEN) client.send(bytes);
        },
      };
      connections.push(conn);
      up.on('open', () => {
        for (const b of pendingUp.splice(0)) up.send(b);
      });
      // Undecodable bytes are passed on untouched: the proxy attacks, it does not sanitise.
      client.on('message', (data: Buffer) => {
        let frame: Frame;
        try {
          frame = decodeFrame(new Uint8Array(data));
        } catch {
          if (up.readyState === WebSocket.OPEN) up.send(data);
          return;
        }
        for (const f of relayRule ? relayRule(frame, conn) : [frame]) conn.toRelay(f);
      });
      up.on('message', (data: Buffer) => {
        let frame: Frame;
        try {
          frame = decodeFrame(new Uint8Array(data));
        } catch {
          conn.rawToClient(data);
          return;
        }
        for (const f of clientRule ? clientRule(frame, conn) : [frame]) conn.toClient(f);
      });
      const closeBoth = (code: number, reason: Buffer) => {
        const c = code >= 3000 && code < 5000 ? code : 1000;
        for (const s of [client, up]) {
          if (s.readyState === WebSocket.OPEN) s.close(c, reason.toString('utf8'));
          else if (s.readyState === WebSocket.CONNECTING) s.terminate();
        }
        sockets.delete(client);
        sockets.delete(up);
      };
      client.on('close', closeBoth);
      up.on('close', closeBoth);
      client.on('error', () => undefined);
      up.on('error', () => undefined);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    connections,
    toClient: (rule) => void (clientRule = rule),
    toRelay: (rule) => void (relayRule = rule),
    bundles: (rule) => void (bundleRule = rule),
    async close() {
      for (const s of sockets) s.terminate();
      sockets.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
