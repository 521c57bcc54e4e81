// `sotto audit self` as a procedure: a listener on 127.0.0.1, Sotto (a throwaway relay unless one is
// given, two throwaway accounts) as the subject under the egress guard, the positive controls first
// when asked, then the report. The CLI only parses flags and prints.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditDir } from './audit-dir.js';
import type { Channel } from './channel.js';
import { SottoChannel } from './channels/sotto-channel.js';
import { EgressGuard } from './egress-guard.js';
import { runAudit } from './experiment.js';
import { Listener } from './listener.js';
import { TokenMint } from './mint.js';
import type { Progress } from './progress.js';
import type { AuditSelfReport } from './report.js';
import { newRunId } from './tokens.js';

/** What `audit self` needs to know about the subject channel it runs. */
export interface SubjectFactoryInput {
  /** The relay the user named (`--server`), or undefined for a throwaway relay. */
  readonly relayUrl: string | undefined;
  /** Must be called with the relay URL before the subject connects (egress allow-list). */
  readonly onRelay: (url: string) => void;
}

export interface SelfAuditOptions {
  /** Audit directory (key, tokens.jsonl, requests.jsonl); omitted: a temp dir removed afterwards. */
  readonly dir?: string;
  /** An existing relay for the subject; its store cannot be scanned (not our disk). */
  readonly serverUrl?: string;
  readonly count?: number;
  readonly waitMs?: number;
  /** Positive controls to run first (from `@sotto/audit/controls`: `startPositiveControls()`). */
  readonly controls?: () => Promise<readonly Channel[]>;
  readonly progress?: Progress;
  /** Watch and block the subject's outbound connections (default true). */
  readonly egressGuard?: boolean;
  /** Test seam: another subject instead of Sotto (the negative check injects a leaking one). */
  readonly subject?: (input: SubjectFactoryInput) => Promise<Channel>;
}

export interface SelfAuditResult {
  readonly report: AuditSelfReport;
  /** The audit directory, or undefined when a temp one was used and removed. */
  readonly dir: string | undefined;
  /** Whether the subject's relay store was scanned (false with --server). */
  readonly relayScanned: boolean;
}

export async function runSelfAudit(o: SelfAuditOptions = {}): Promise<SelfAuditResult> {
  const temp = o.dir === undefined ? mkdtempSync(join(tmpdir(), 'sotto-audit-self-')) : undefined;
  const dir = o.dir ?? temp ?? '';
  const audit = openAuditDir(dir);
  const closers: (() => Promise<void>)[] = [];
  const guard = o.egressGuard === false ? undefined : new EgressGuard();
  try {
    const listener = await Listener.start({ dir, key: audit.key });
    closers.push(() => listener.close());
    const controls = o.controls ? await o.controls() : [];
    for (const c of controls) if (c.close) closers.push(() => c.close?.() ?? Promise.resolve());
    guard?.allow(listener.baseUrl).install();
    const onRelay = (url: string): void => void guard?.allow(url);
    const open = (): Promise<Channel> =>
      o.subject
        ? o.subject({ relayUrl: o.serverUrl, onRelay })
        : SottoChannel.open({
            ...(o.serverUrl !== undefined ? { relayUrl: o.serverUrl } : {}),
            onRelay,
          });
    const subject = guard ? await guard.run(open) : await open();
    if (subject.close) closers.push(() => subject.close?.() ?? Promise.resolve());
    const mint = new TokenMint(audit.key, newRunId(), audit.registry, listener.baseUrl);
    const { report } = await runAudit(subject, controls, {
      mint,
      registry: audit.registry,
      hits: listener,
      count: o.count ?? 4,
      waitMs: o.waitMs ?? 3000,
      ...(o.progress ? { progress: o.progress } : {}),
      ...(guard ? { egress: guard } : {}),
    });
    return { report, dir: o.dir, relayScanned: subject.dataDir !== undefined };
  } finally {
    guard?.uninstall();
    for (const close of closers.reverse()) await close().catch(() => undefined);
    audit.registry.close();
    if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
  }
}
