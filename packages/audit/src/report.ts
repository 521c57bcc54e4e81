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
  /** False when the store could not be scanned (e.g. `audit self --server`: not our relay's disk). */
  readonly scanned?: boolean;
  /** Per needle index: where it was found (file, offset, encoding). */
  readonly locations?: readonly { needle: number; file: string; offset: number; encoding: string }[];
}

export interface ControlResult {
  readonly name: string;
  readonly tokens_sent: number;
  readonly hits: readonly Hit[];
  readonly server_view: ServerViewSummary | null;
  /**
   * Whether the control must also show needles at rest to count as caught (default true when it has
   * a server view). False for the scanning client: it leaks at the endpoint, its relay is Sotto's.
   */
  readonly expects_at_rest?: boolean;
}

/** An outbound connection by the subject to anything but its relay and the listener (egress guard). */
export interface EgressViolation {
  readonly host: string;
  readonly port: number;
  readonly time: string;
  /** Where the connection was attempted (evidence for developers; not shown in the text report). */
  readonly stack: string;
}

export interface EgressSummary {
  /** True when the run watched the subject's outbound connections. */
  readonly guarded: boolean;
  /** Connections the subject made to its allowed peers (shows the guard saw its traffic). */
  readonly allowed_connections: number;
  readonly violations: readonly EgressViolation[];
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface AuditSelfReport {
  readonly tokens_sent: number;
  readonly hits: readonly Hit[];
  readonly decoy_hits: readonly Hit[];
  readonly server_view: ServerViewSummary;
  readonly controls: readonly ControlResult[];
  readonly egress: EgressSummary;
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
  egressViolations = 0,
): { verdict: Verdict; reasons: string[] } {
  const reasons: string[] = [];
  if (sottoHits > 0) reasons.push(`Sotto tokens were fetched ${sottoHits} time(s)`);
  if (egressViolations > 0)
    reasons.push(
      `the Sotto client tried ${egressViolations} connection(s) to something other than its relay (blocked)`,
    );
  if (sottoFound > 0) reasons.push(`${sottoFound} needle occurrence(s) found in the relay's storage`);
  if (decoyHits > 0)
    reasons.push(`${decoyHits} decoy hit(s): a token leaked through our own tooling or logs`);
  if (reasons.length > 0) return { verdict: 'fail', reasons };
  const missed = controls.filter(
    (c) =>
      c.hits.length === 0 ||
      (c.expects_at_rest !== false && c.server_view !== null && c.server_view.found === 0),
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
  egress?: EgressSummary;
}): AuditSelfReport {
  const egress = input.egress ?? { guarded: false, allowed_connections: 0, violations: [] };
  const v = verdictFor(
    input.hits.length,
    input.serverView.found,
    input.decoyHits.length,
    input.controls,
    egress.violations.length,
  );
  return {
    tokens_sent: input.tokensSent,
    hits: input.hits,
    decoy_hits: input.decoyHits,
    server_view: input.serverView,
    controls: input.controls,
    egress,
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
  const atRest =
    r.server_view.scanned === false
      ? "relay store not scanned (not our relay's disk)"
      : `${r.server_view.found} of ${r.server_view.needles} needle(s) found in the relay's store`;
  lines.push(`Sotto: ${r.tokens_sent} token(s) sent, ${r.hits.length} hit(s), ${atRest}`);
  for (const h of r.hits.slice(0, maxLines)) lines.push(hitLine(h));
  if (r.egress.guarded) {
    lines.push(
      `Egress guard: ${r.egress.violations.length} connection(s) by the Sotto client to anything but its relay (${r.egress.allowed_connections} to the relay)`,
    );
    for (const e of r.egress.violations.slice(0, maxLines))
      lines.push(`    blocked ${e.host}:${e.port} at ${e.time}`);
  }
  if (r.decoy_hits.length > 0) {
    lines.push(`Decoys (never sent): ${r.decoy_hits.length} hit(s) — a leak through our own tooling`);
    for (const h of r.decoy_hits.slice(0, maxLines)) lines.push(hitLine(h));
  }
  for (const c of r.controls) {
    const atRest = c.expects_at_rest !== false && c.server_view !== null;
    const caught =
      c.hits.length > 0 && (!atRest || (c.server_view?.found ?? 0) > 0) ? 'CAUGHT' : 'NOT CAUGHT';
    const sv = c.server_view
      ? `, ${c.server_view.found} needle occurrence(s) in its ${atRest ? 'storage' : "relay's storage (leak is at the endpoint)"}`
      : '';
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
