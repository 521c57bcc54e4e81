// Who touched which token, as JSON (stable snake_case keys, the `audit self` shape of issue 5) and as
// one screen of defanged text.
import { classify, timing } from './classify.js';
import type { HitKind, Timing } from './classify.js';
import { defang } from './defang.js';
import type { TokenRecord } from './registry.js';
import type { RequestRecord } from './request-record.js';

export interface Hit {
  readonly token: string;
  readonly channel: string;
  readonly decoy: boolean;
  readonly method: string;
  /** Best-known client address (proxy-reported only from trusted proxies). */
  readonly source: string;
  readonly source_port: number;
  readonly remote_address: string;
  readonly time: string;
  readonly user_agent: string | null;
  readonly label: string;
  readonly kind: HitKind;
  readonly sender_side: boolean;
  readonly timing: Timing;
  readonly delay_seconds: number | null;
  readonly malformed: boolean;
}

export interface ServerViewSummary {
  readonly needles: number;
  readonly found: number;
  /** Per needle index: where it was found (file, offset, encoding). */
  readonly locations?: readonly { needle: number; file: string; offset: number; encoding: string }[];
}

export interface ControlResult {
  readonly name: string;
  readonly tokens_sent: number;
  readonly hits: readonly Hit[];
  readonly server_view: ServerViewSummary | null;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface AuditSelfReport {
  readonly tokens_sent: number;
  readonly hits: readonly Hit[];
  readonly decoy_hits: readonly Hit[];
  readonly server_view: ServerViewSummary;
  readonly controls: readonly ControlResult[];
  readonly verdict: Verdict;
  readonly reasons: readonly string[];
}

/** Hits on the given tokens (all known tokens when `only` is omitted). */
export function collectHits(
  requests: readonly RequestRecord[],
  tokens: readonly TokenRecord[],
  only?: (t: TokenRecord) => boolean,
): Hit[] {
  const byToken = new Map(tokens.map((t) => [t.token, t]));
  const out: Hit[] = [];
  for (const r of requests) {
    if (r.kind !== 'hit') continue;
    for (const tok of r.tokens) {
      const t = byToken.get(tok);
      if (t === undefined || (only && !only(t))) continue;
      const c = classify(r.method, r.user_agent);
      const tm = timing(t.sentAt ? new Date(t.sentAt) : undefined, new Date(r.time));
      out.push({
        token: tok,
        channel: t.channel,
        decoy: t.decoy,
        method: r.method,
        source: r.client_address,
        source_port: r.remote_port,
        remote_address: r.remote_address,
        time: r.time,
        user_agent: r.user_agent,
        label: c.label,
        kind: c.kind,
        sender_side: c.senderSide,
        timing: tm.timing,
        delay_seconds: tm.delaySeconds,
        malformed: r.malformed,
      });
    }
  }
  return out;
}

/**
 * The `audit self` verdict. A control that was not caught means the detector is broken, so the run
 * proves nothing: inconclusive, never pass (AUDIT.md "Positive control first").
 */
export function verdictFor(
  sottoHits: number,
  sottoFound: number,
  decoyHits: number,
  controls: readonly ControlResult[],
): { verdict: Verdict; reasons: string[] } {
  const reasons: string[] = [];
  if (sottoHits > 0) reasons.push(`Sotto tokens were fetched ${sottoHits} time(s)`);
  if (sottoFound > 0) reasons.push(`${sottoFound} needle occurrence(s) found in the relay's storage`);
  if (decoyHits > 0)
    reasons.push(`${decoyHits} decoy hit(s): a token leaked through our own tooling or logs`);
  if (reasons.length > 0) return { verdict: 'fail', reasons };
  const missed = controls.filter(
    (c) => c.hits.length === 0 || (c.server_view !== null && c.server_view.found === 0),
  );
  if (missed.length > 0) {
    return {
      verdict: 'inconclusive',
      reasons: missed.map((c) => `positive control "${c.name}" was not caught: the detector proves nothing`),
    };
  }
  if (controls.length === 0) reasons.push('no positive control ran: this pass is unverified');
  return { verdict: 'pass', reasons };
}

export function buildSelfReport(input: {
  tokensSent: number;
  hits: readonly Hit[];
  decoyHits: readonly Hit[];
  serverView: ServerViewSummary;
  controls: readonly ControlResult[];
}): AuditSelfReport {
  const v = verdictFor(input.hits.length, input.serverView.found, input.decoyHits.length, input.controls);
  return {
    tokens_sent: input.tokensSent,
    hits: input.hits,
    decoy_hits: input.decoyHits,
    server_view: input.serverView,
    controls: input.controls,
    verdict: v.verdict,
    reasons: v.reasons,
  };
}

const short = (token: string): string => `${token.slice(0, 8)}…${token.slice(-4)}`;

function hitLine(h: Hit): string {
  const delay = h.delay_seconds === null ? '' : ` +${h.delay_seconds.toFixed(1)}s`;
  return `    ${h.method.padEnd(7)} ${short(h.token)} from ${h.source} at ${h.time}${delay} — ${h.label}${
    h.sender_side ? ' (sender-side: client behaviour, not a provider breach)' : ''
  }`;
}

/** One screen of text; every URL defanged. */
export function renderSelfReport(r: AuditSelfReport, maxLines = 6): string {
  const lines: string[] = [];
  lines.push(`Sotto canary audit — verdict: ${r.verdict.toUpperCase()}`);
  for (const reason of r.reasons) lines.push(`  ! ${reason}`);
  lines.push(
    `Sotto: ${r.tokens_sent} token(s) sent, ${r.hits.length} hit(s), ${r.server_view.found} of ${r.server_view.needles} needle(s) found at rest`,
  );
  for (const h of r.hits.slice(0, maxLines)) lines.push(hitLine(h));
  if (r.decoy_hits.length > 0) {
    lines.push(`Decoys (never sent): ${r.decoy_hits.length} hit(s) — a leak through our own tooling`);
    for (const h of r.decoy_hits.slice(0, maxLines)) lines.push(hitLine(h));
  }
  for (const c of r.controls) {
    const caught = c.hits.length > 0 ? 'CAUGHT' : 'NOT CAUGHT';
    const sv = c.server_view ? `, ${c.server_view.found} needle occurrence(s) in its storage` : '';
    lines.push(
      `Control "${c.name}" [test fixture]: ${caught} — ${c.tokens_sent} sent, ${c.hits.length} hit(s)${sv}`,
    );
    for (const h of c.hits.slice(0, maxLines)) lines.push(hitLine(h));
    if (c.hits.length > maxLines) lines.push(`    … ${c.hits.length - maxLines} more (see --json)`);
  }
  return defang(lines.join('\n'));
}

export interface TokenReportEntry {
  readonly token: string;
  readonly channel: string;
  readonly decoy: boolean;
  readonly sent_at: string | null;
  readonly url: string;
  readonly hits: readonly Hit[];
}

export interface TokenReport {
  readonly tokens: readonly TokenReportEntry[];
  readonly noise: number;
  readonly malformed: number;
}

/** `sotto audit report`: who touched which token. The url field is defanged. */
export function buildTokenReport(
  tokens: readonly TokenRecord[],
  requests: readonly RequestRecord[],
): TokenReport {
  const hits = collectHits(requests, tokens);
  return {
    tokens: tokens.map((t) => ({
      token: t.token,
      channel: t.channel,
      decoy: t.decoy,
      sent_at: t.sentAt ?? null,
      url: defang(t.url),
      hits: hits.filter((h) => h.token === t.token),
    })),
    noise: requests.filter((r) => r.kind === 'noise').length,
    malformed: requests.filter((r) => r.malformed).length,
  };
}

export function renderTokenReport(r: TokenReport): string {
  const lines: string[] = [];
  const touched = r.tokens.filter((t) => t.hits.length > 0);
  lines.push(
    `${r.tokens.length} token(s), ${touched.length} touched; ${r.noise} noise request(s), ${r.malformed} malformed`,
  );
  for (const t of r.tokens) {
    const tag = t.decoy ? ' [decoy: a hit means our own tooling leaked]' : '';
    lines.push(
      `${short(t.token)} via ${t.channel}${t.sent_at ? ` sent ${t.sent_at}` : ' (not sent)'}: ${t.hits.length} hit(s)${tag}`,
    );
    for (const h of t.hits) lines.push(hitLine(h));
  }
  return defang(lines.join('\n'));
}
