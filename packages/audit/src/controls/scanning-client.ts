// TEST FIXTURE — POSITIVE CONTROL 2, NEVER A PRODUCT. The "scanning client": Sotto's real E2E
// sessions (the same SottoChannel, real relay, real ratchets), but the recipient's client forwards
// every URL it decrypts to a "reputation service" that fetches it with GET — the commenters' "man at
// almost the endpoint" (issue 5). Encryption cannot help against this; the audit must still catch it.
// The leak is at the endpoint, so the relay's storage is expected to hold nothing: this control is
// caught by hits alone (`leaksAt: 'endpoint'`). Loopback only, everywhere; only tests and
// `audit self --control` construct it.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Channel } from '../channel.js';
import { SottoChannel } from '../channels/sotto-channel.js';
import { loopbackHttp, probeLoopback } from './loopback-probe.js';
import { URL_IN_TEXT, closeServer, loopbackUrl, startLoopbackServer } from './loopback-server.js';

export const SCANNING_CLIENT_USER_AGENT = 'Mozilla/5.0 (compatible; LinkReputationCheck/1.0; test-fixture)';
const MAX_BODY = 8 * 1024;

/** The in-process "reputation service" on 127.0.0.1: POST /check with a URL → it GETs that URL. */
export class ReputationService {
  private server!: Server;
  private readonly pending = new Set<Promise<void>>();
  readonly fetched: string[] = [];
  readonly refused: string[] = [];

  private constructor() {}

  static async start(): Promise<ReputationService> {
    const s = new ReputationService();
    s.server = await startLoopbackServer(MAX_BODY, (req, res, body) => s.handle(req, res, body));
    return s;
  }

  get url(): string {
    return loopbackUrl(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: Buffer | null): void {
    if (req.method !== 'POST' || req.url !== '/check' || body === null) {
      res.writeHead(404).end();
      return;
    }
    const p = this.check(body.toString('utf8').trim()).finally(() => this.pending.delete(p));
    this.pending.add(p);
    res.writeHead(202).end();
  }

  /** GET with its own user agent, loopback http only (everything else is refused). */
  check(url: string): Promise<void> {
    const u = loopbackHttp(url);
    if (u === undefined) {
      this.refused.push(url);
      return Promise.resolve();
    }
    this.fetched.push(url);
    return probeLoopback(u, 'GET', SCANNING_CLIENT_USER_AGENT);
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    await this.idle();
    await closeServer(this.server);
  }
}

export interface ScanningClientOptions {
  /** Relay for the control's E2E sessions; omitted: its own throwaway relay (scanned at the end). */
  readonly relayUrl?: string;
}

/** Positive control 2 as a Channel. `close()` releases the accounts, relay and reputation service. */
export async function scanningClientChannel(
  opts: ScanningClientOptions = {},
): Promise<Channel & { readonly service: ReputationService }> {
  const service = await ReputationService.start();
  const forwards = new Set<Promise<void>>();
  // The man at almost the endpoint: every URL the recipient's client decrypts goes to the service.
  const forward = (text: string): void => {
    for (const m of text.matchAll(URL_IN_TEXT)) {
      if (loopbackHttp(m[0]) === undefined) continue;
      const p = fetch(`${service.url}/check`, { method: 'POST', body: m[0] })
        .then((r) => r.arrayBuffer())
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => forwards.delete(p));
      forwards.add(p);
    }
  };
  let inner: SottoChannel;
  try {
    inner = await SottoChannel.open({
      ...(opts.relayUrl !== undefined ? { relayUrl: opts.relayUrl } : {}),
      name: 'scanning-client',
      role: 'control',
      onDecrypted: forward,
    });
  } catch (e) {
    await service.close();
    throw e;
  }
  return {
    name: 'scanning-client',
    role: 'control',
    leaksAt: 'endpoint',
    dataDir: inner.dataDir,
    service,
    send: (text) => inner.send(text),
    async deliverAndRead() {
      await inner.deliverAndRead();
      // The forwards started while decrypting; let the service finish its fetches so the hits are
      // in before the waiting window (a loaded CI machine must not turn this into a flaky miss).
      await Promise.all([...forwards]);
      await service.idle();
    },
    async close() {
      await Promise.all([...forwards]);
      await inner.close();
      await service.close();
    },
  };
}
