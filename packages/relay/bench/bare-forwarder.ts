// The benchmark's ceiling: a bare `ws` forwarder with no storage, no auth check and no limits, as
// issue 3 defines it. It speaks the same frames (decoded and encoded with the same codec) so the
// relay/forwarder ratio measures what durability, validation and bookkeeping cost. By default each
// frame is its own `ws.send`, as a bare forwarder does. With `--coalesce` it also coalesces the frames
// a socket is sent in one event-loop turn into one write (cork until the turn's ticks are done), as the
// relay does: the bench's stricter second ceiling, which does not credit the relay for that transport
// trick. Run as a child process; prints {"url": "..."} on stdout once listening.
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { decodeFrame, encodeFrame } from '@sotto/wire';

/** With --coalesce, a socket's frames of one event-loop turn go out in one write, as the relay's do. */
const COALESCE = process.argv.includes('--coalesce');

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });

/** A connection: its WebSocket, the TCP socket under it, and whether that socket is corked now. */
class Peer {
  seq = 0;
  private corked = false;
  constructor(
    readonly ws: WebSocket,
    private readonly socket: Socket,
  ) {}

  send(bytes: Uint8Array): void {
    if (COALESCE && !this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.ws.send(bytes);
  }
}

const devices = new Map<string, Peer>();

wss.on('connection', (ws, req) => {
  const self = new Peer(ws, req.socket);
  let key: string | null = null;
  ws.on('message', (data: Buffer) => {
    let frame;
    try {
      frame = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch {
      ws.close(4400, 'MalformedFrame');
      return;
    }
    switch (frame.type) {
      case 'auth':
        key = `${frame.accountId}.${frame.deviceId}`;
        devices.set(key, self);
        self.send(encodeFrame({ type: 'authOk', serverTime: Date.now() }));
        return;
      case 'submit': {
        const { accountId: senderAccountId, deviceId: senderDeviceId } = parseKey(key);
        for (const e of frame.envelopes) {
          const target = devices.get(`${frame.recipient}.${e.deviceId}`);
          if (!target) continue;
          target.seq += 1;
          target.send(
            encodeFrame({
              type: 'deliver',
              seq: target.seq,
              envelopeId: e.envelopeId,
              senderAccountId,
              senderDeviceId,
              serverTimestamp: Date.now(),
              envelopeType: e.envelopeType,
              content: e.content,
            }),
          );
        }
        self.send(
          encodeFrame({
            type: 'submitResult',
            requestId: frame.requestId,
            error: null,
            missingDevices: [],
            extraDevices: [],
            staleDevices: [],
            results: frame.envelopes.map((e) => ({ deviceId: e.deviceId, status: 'Accepted' as const })),
          }),
        );
        return;
      }
      case 'ping':
        self.send(encodeFrame({ type: 'pong', nonce: frame.nonce }));
        return;
      default:
        return; // acks need no bookkeeping without storage
    }
  });
  ws.on('close', () => {
    if (key !== null && devices.get(key)?.ws === ws) devices.delete(key);
  });
});

function parseKey(key: string | null): { accountId: string; deviceId: number } {
  const [accountId = '00000000-0000-4000-8000-000000000000', device = '1'] = (key ?? '').split('.');
  return { accountId, deviceId: Number(device) || 1 };
}

wss.on('listening', () => {
  const addr = wss.address();
  if (typeof addr === 'object' && addr !== null) {
    process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${addr.port}` }) + '\n');
  }
});

// The same CPU probe as the relay child, so the bench can compare CPU per message.
process.on('message', (m: { id: number; op: string }) => {
  if (m.op === 'cpu') process.send?.({ id: m.id, ...process.cpuUsage() });
});

const stop = () => wss.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
