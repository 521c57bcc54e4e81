// `sotto audit self`: the Ars experiment run on Sotto itself (issue 5). A listener on 127.0.0.1, a
// throwaway relay (or --server), two throwaway accounts, N canary links sent and read through the
// normal client path, a waiting window, the server view of the relay's data dir, and one screen of
// report (or --json). --control runs both positive controls (test fixtures) first in the same run.
// Exit: 0 pass; 1 Sotto leaked (issue 5: "1 otherwise"); 8 inconclusive (a control was not caught).
// 3 the relay and accounts were not set up in time; 130 SIGINT/SIGTERM (audit-self-guard.ts).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { renderSelfReport, runSelfAudit, stderrProgress } from '@sotto/audit';
import type { AuditSelfReport } from '@sotto/audit';
import { startPositiveControls } from '@sotto/audit/controls';
import { CliError } from '../cli-error.js';
import { SETUP_TIMEOUT_MS, sottoSubjectWithin, withScratchTmp } from './audit-self-guard.js';
import { parseSecondsMs } from './seconds-arg.js';
import type { CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { ExitCodeValue } from '../exit-codes.js';

/** Issue 5 fixes the exit code of a run that found a leak at 1. */
const AUDIT_FAILED = ExitCode.Internal;

function parseCount(v: unknown): number {
  const t = typeof v === 'string' ? v.trim() : '';
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > 300)
    throw new CliError(
      'InvalidFlag',
      `invalid --count: expected 1..300, got ${JSON.stringify(v)}`,
      ExitCode.Usage,
    );
  return Number(t);
}

const parseWait = (v: unknown) => parseSecondsMs(v, '--wait', (s) => s <= 48 * 3600, '0..172800 seconds');

const parseSetupTimeout = (v: unknown) =>
  parseSecondsMs(v, '--setup-timeout', (s) => s > 0 && s <= 3600, 'more than 0 and at most 3600 seconds');

function parseServer(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const s = typeof v === 'string' ? v : '';
  if (!URL.canParse(s) || !['http:', 'https:'].includes(new URL(s).protocol))
    throw new CliError('InvalidFlag', `invalid --server: expected an http(s) URL`, ExitCode.Usage);
  return s.replace(/\/+$/, '');
}

/** The exit code for a finished run: 0 pass, 1 fail (a leak), 8 inconclusive. */
export function auditSelfExitCode(r: AuditSelfReport): ExitCodeValue {
  if (r.verdict === 'fail') return AUDIT_FAILED;
  if (r.verdict === 'inconclusive') return ExitCode.AuditInconclusive;
  return ExitCode.Ok;
}

function exitFor(r: AuditSelfReport): void {
  const code = auditSelfExitCode(r);
  if (code === ExitCode.Ok) return;
  const what = r.verdict === 'fail' ? 'audit failed' : 'audit inconclusive';
  throw new CliError(
    r.verdict === 'fail' ? 'AuditFailed' : 'AuditInconclusive',
    `${what}: ${r.reasons.join('; ')}`,
    code,
  );
}

/**
 * `audit self` keeps its evidence only when asked: unlike the other audit commands it never reads
 * SOTTO_AUDIT_DIR (docs/audit.md), so a run does not mix its tokens into someone's audit directory.
 */
const SELF_DIR_HELP =
  'keep the evidence (key, token registry, request log) in this audit directory for ' +
  '"sotto audit report"; default: a temp dir removed afterwards (SOTTO_AUDIT_DIR is not read)';

export function registerAuditSelf(audit: Command, ctx: CliContext): void {
  audit
    .command('self')
    .description(
      'send canary links between two throwaway accounts through Sotto and prove nobody fetched them',
    )
    .option('--server <url>', 'use this relay (its storage cannot be scanned); default: a throwaway relay')
    .option('--count <n>', 'messages, each with a fresh canary link (Ars sent 4)', '4')
    .option('--wait <seconds>', 'how long to listen for fetches after the recipient read', '3')
    .option('--control', 'also run the two positive controls (test fixtures) that MUST be caught', false)
    .option('--dir <dir>', SELF_DIR_HELP)
    .option(
      '--setup-timeout <seconds>',
      'give up (exit 3) if the relay and the two throwaway accounts are not ready by then',
      String(SETUP_TIMEOUT_MS / 1000),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 nothing leaked (and, with --control, every control was caught); 1 a leak\n' +
        '(a fetched token, a needle in the relay store, a decoy hit, a blocked connection);\n' +
        '8 inconclusive: a positive control was not caught, so the run proves nothing;\n' +
        '3 the relay or the accounts were not ready within --setup-timeout; 130 SIGINT/SIGTERM\n' +
        "(the run's temporary files are removed then too).\n",
    )
    .action(async (_o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      const o = self.opts<Record<string, unknown>>();
      const count = parseCount(o['count']);
      const waitMs = parseWait(o['wait']);
      const serverUrl = parseServer(o['server']);
      const setupMs = parseSetupTimeout(o['setupTimeout']);
      const dir = typeof o['dir'] === 'string' ? resolve(o['dir']) : undefined;
      const { report, relayScanned } = await withScratchTmp(ctx.io, () =>
        runSelfAudit({
          count,
          waitMs,
          ...(serverUrl !== undefined ? { serverUrl } : {}),
          ...(dir !== undefined ? { dir } : {}),
          ...(o['control'] === true ? { controls: startPositiveControls } : {}),
          subject: sottoSubjectWithin(setupMs),
          progress: stderrProgress((s) => ctx.io.stderr(s)),
        }),
      );
      if (json) {
        ctx.io.stdout(JSON.stringify(report) + '\n');
      } else {
        const notes: string[] = [];
        if (!relayScanned)
          notes.push(
            `(--server: the relay's store is on another machine; run "sotto audit server-view" there)`,
          );
        notes.push(
          dir !== undefined
            ? `Evidence kept in ${dir} ("sotto audit report --dir ${dir}")`
            : 'Evidence was in a temp dir (pass --dir to keep it).',
        );
        ctx.io.stdout(renderSelfReport(report) + '\n' + notes.join('\n') + '\n');
      }
      exitFor(report);
    });
}
