// The Ars experiment as a procedure: per channel, send N messages each carrying a fresh canary link,
// let the recipient read, wait a window, then collect hits and scan the channel's server storage.
// Positive controls run first in the same run (AUDIT.md): an uncaught control makes it inconclusive.
import type { Channel } from './channel.js';
import type { TokenMint } from './mint.js';
import type { Progress } from './progress.js';
import type { TokenRecord, TokenRegistry } from './registry.js';
import { buildSelfReport, collectHits } from './report.js';
import type { AuditSelfReport, ControlResult, EgressSummary, Hit, ServerViewSummary } from './report.js';
import type { RequestRecord } from './request-record.js';
import { serverView, summarize } from './server-view.js';

/** Where hits come from: the Listener, or a reader of its requests.jsonl. */
export interface HitSource {
  records(): readonly RequestRecord[];
}

export interface ExperimentOptions {
  readonly mint: TokenMint;
  readonly registry: TokenRegistry;
  readonly hits: HitSource;
  /** Messages per channel (Ars sent 4). */
  readonly count?: number;
  /** Decoy tokens per run: issued and recorded, never sent. */
  readonly decoys?: number;
  /** The waiting window after the recipient has read. */
  readonly waitMs?: number;
  /** Called while waiting (e.g. stderrProgress()). Controls stop waiting once every token was hit;
   * the subject always waits the full window. */
  readonly progress?: Progress;
  readonly message?: (url: string, i: number) => string;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Runs the subject's calls under the egress guard (see egress-guard.ts) and reads its findings. */
  readonly egress?: {
    run<T>(fn: () => Promise<T>): Promise<T>;
    summary(): EgressSummary;
  };
}

export interface ChannelOutcome {
  readonly channel: string;
  readonly tokens: readonly TokenRecord[];
  /** Every plaintext sent (needles for the server view, together with the tokens). */
  readonly texts: readonly string[];
  readonly hits: readonly Hit[];
  readonly server_view: ServerViewSummary | null;
}

const defaultMessage = (url: string, i: number): string =>
  [
    `Have a look at this: ${url}`,
    `here is the page I mentioned ${url} — thoughts?`,
    `${url}`,
    `Found it! ${url}`,
  ][i % 4] ?? url;

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends `count` canary messages through one channel and gathers what touched them. */
export async function runChannel(
  channel: Channel,
  o: ExperimentOptions,
  guard: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
): Promise<ChannelOutcome> {
  const now = o.now ?? (() => new Date());
  const sleep = o.sleep ?? realSleep;
  const count = o.count ?? 4;
  const waitMs = o.waitMs ?? 3000;
  const message = o.message ?? defaultMessage;
  const tokens: TokenRecord[] = [];
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = o.mint.issue(channel.name);
    const text = message(t.url, i);
    await guard(() => channel.send(text));
    o.registry.markSent(t.token, channel.name, now());
    tokens.push(t);
    texts.push(text);
  }
  await guard(() => channel.deliverAndRead());
  const mine = new Set(tokens.map((t) => t.token));
  const allHit = (): boolean => {
    const seen = new Set(o.hits.records().flatMap((r) => (r.kind === 'hit' ? r.tokens : [])));
    return [...mine].every((t) => seen.has(t));
  };
  const step = Math.max(10, Math.min(250, Math.floor(waitMs / 20)));
  const started = now().getTime();
  for (;;) {
    const elapsed = now().getTime() - started;
    if (elapsed >= waitMs || (channel.role === 'control' && allHit())) break;
    o.progress?.(elapsed / waitMs, `listening for fetches via ${channel.name}`);
    await sleep(step);
  }
  o.progress?.(1, `listening for fetches via ${channel.name}`);
  const hits = collectHits(o.hits.records(), o.registry.all(), (t) => mine.has(t.token));
  let view: ServerViewSummary | null = null;
  if (channel.dataDir !== undefined) {
    const needles = [...tokens.map((t) => t.token), ...tokens.map((t) => t.url), ...texts];
    view = { ...summarize(serverView(channel.dataDir, needles)), scanned: true };
  }
  return { channel: channel.name, tokens, texts, hits, server_view: view };
}

/**
 * `audit self`: controls first, then the subject (Sotto), decoys issued alongside. The report's
 * verdict is pass only when the subject shows nothing and every control was caught.
 */
export async function runAudit(
  subject: Channel | undefined,
  controls: readonly Channel[],
  o: ExperimentOptions,
): Promise<{ report: AuditSelfReport; outcomes: ChannelOutcome[] }> {
  const decoys: TokenRecord[] = [];
  for (let i = 0; i < (o.decoys ?? 2); i++) decoys.push(o.mint.issue('decoy', { decoy: true }));
  const outcomes: ChannelOutcome[] = [];
  const controlResults: ControlResult[] = [];
  for (const c of controls) {
    const out = await runChannel(c, o);
    outcomes.push(out);
    controlResults.push({
      name: c.name,
      tokens_sent: out.tokens.length,
      hits: out.hits,
      server_view: out.server_view,
      expects_at_rest: c.leaksAt !== 'endpoint',
    });
  }
  let subjectOut: ChannelOutcome | undefined;
  if (subject !== undefined) {
    const egress = o.egress;
    subjectOut = await runChannel(subject, o, egress ? (fn) => egress.run(fn) : undefined);
    outcomes.push(subjectOut);
  }
  const decoySet = new Set(decoys.map((d) => d.token));
  const decoyHits = collectHits(o.hits.records(), o.registry.all(), (t) => decoySet.has(t.token));
  const report = buildSelfReport({
    tokensSent: subjectOut?.tokens.length ?? 0,
    hits: subjectOut?.hits ?? [],
    decoyHits,
    serverView: subjectOut?.server_view ?? { needles: 0, found: 0, scanned: false },
    controls: controlResults,
    ...(o.egress ? { egress: o.egress.summary() } : {}),
  });
  return { report, outcomes };
}
