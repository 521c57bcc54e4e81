// `sotto audit`: the canary audit by hand (issue 5). tokens → paste the links into any messenger;
// listen → log every fetch; report → who touched which token; server-view → what a stolen relay
// data directory holds; self → the experiment on Sotto itself (audit-self.ts).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  KEY_FILE,
  Listener,
  REQUESTS_FILE,
  TokenMint,
  buildTokenReport,
  newRunId,
  openAuditDir,
  parseRequestRecord,
  readJsonl,
  renderServerView,
  renderTokenReport,
  serverView,
} from '@sotto/audit';
import { CliError } from '../cli-error.js';
import type { CliCommand, CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { registerAuditSelf } from './audit-self.js';

const DIR_HELP =
  'audit directory: key, token registry, request log (env SOTTO_AUDIT_DIR, default ./sotto-audit)';

function auditDir(ctx: CliContext, opt: unknown): string {
  return resolve(typeof opt === 'string' ? opt : (ctx.io.env['SOTTO_AUDIT_DIR'] ?? 'sotto-audit'));
}

function intFlag(name: string, value: unknown, min: number, max: number): number {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new CliError(
      'InvalidFlag',
      `invalid ${name}: expected ${min}..${max}, got ${JSON.stringify(value)}`,
      ExitCode.Usage,
    );
  }
  return Number(text);
}

export const auditCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    const audit = program
      .command('audit')
      .description('canary audit: unique links that prove whether anyone follows them (docs/audit.md)');

    registerAuditSelf(audit, ctx);

    audit
      .command('tokens')
      .description('print fresh canary links to paste into any messenger (never click them yourself)')
      .requiredOption('--base <url>', 'base URL of your listener, e.g. https://links.example.org')
      .option('--count <n>', 'how many links', '4')
      .option(
        '--decoys <n>',
        'decoy tokens recorded but never shown (a hit on one = leak in our tooling)',
        '1',
      )
      .option('--channel <name>', 'what you will send them through, for the report', 'manual')
      .option('--dir <dir>', DIR_HELP)
      .action((_o: unknown, self: Command) => {
        const { json } = ctx.globals(self);
        const o = self.opts<Record<string, unknown>>();
        const count = intFlag('--count', o['count'], 1, 1000);
        const decoys = intFlag('--decoys', o['decoys'], 0, 10);
        const channel = String(o['channel']);
        const base = String(o['base']);
        // Checked before anything is minted or written (with --decoys 0 nothing else would look at it).
        if (!URL.canParse(base) || !['http:', 'https:'].includes(new URL(base).protocol)) {
          throw new CliError('InvalidFlag', `invalid --base: expected an http(s) URL`, ExitCode.Usage);
        }
        const { key, registry } = openAuditDir(auditDir(ctx, o['dir']));
        try {
          let mint: TokenMint;
          try {
            mint = new TokenMint(key, newRunId(), registry, base);
            for (let i = 0; i < decoys; i++) mint.issue(channel, { decoy: true });
          } catch {
            throw new CliError('InvalidFlag', `invalid --base: expected an http(s) URL`, ExitCode.Usage);
          }
          const links = Array.from({ length: count }, () => mint.issue(channel));
          const now = new Date();
          for (const l of links) registry.markSent(l.token, channel, now);
          if (json)
            ctx.io.stdout(
              JSON.stringify({ run: mint.run, links: links.map((l) => ({ token: l.token, url: l.url })) }) +
                '\n',
            );
          else ctx.io.stdout(links.map((l) => l.url).join('\n') + '\n');
          ctx.io.stderr(
            'Paste each link into a chat. Never open them yourself: any fetch counts as a hit.\n',
          );
        } finally {
          registry.close();
        }
      });

    audit
      .command('listen')
      .description(
        'log every request to the canary links until SIGINT/SIGTERM (hits printed in Common Log Format)',
      )
      .option('--port <port>', 'TCP port', '8080')
      .option(
        '--host <addr>',
        'address to bind (expose it through a reverse proxy, see docs/audit.md)',
        '127.0.0.1',
      )
      .option('--trust-proxy <addr...>', 'believe X-Forwarded-For only from these proxy addresses')
      .option('--dir <dir>', DIR_HELP)
      .action(async (_o: unknown, self: Command) => {
        const { json } = ctx.globals(self);
        const o = self.opts<Record<string, unknown>>();
        const port = intFlag('--port', o['port'], 0, 65535);
        const dir = auditDir(ctx, o['dir']);
        const { key, registry } = openAuditDir(dir);
        registry.close();
        const trusted = Array.isArray(o['trustProxy']) ? o['trustProxy'].map(String) : [];
        const listener = await Listener.start({
          dir,
          key,
          port,
          host: String(o['host']),
          trustedProxies: trusted,
          onHit: (line, rec) => ctx.io.stdout((json ? JSON.stringify(rec) : line) + '\n'),
        });
        ctx.io.stderr(`listening on ${listener.baseUrl.replace('http://', '')}, logging to ${dir}\n`);
        await new Promise<void>((done) => {
          const off = ctx.io.onSignal(() => {
            off();
            done();
          });
        });
        await listener.close();
      });

    audit
      .command('report')
      .description('who touched which token (text, or JSON with --json); links are defanged')
      .option('--dir <dir>', DIR_HELP)
      .action((_o: unknown, self: Command) => {
        const { json } = ctx.globals(self);
        const dir = auditDir(ctx, self.opts<Record<string, unknown>>()['dir']);
        // A report on a directory that holds no audit (a mistyped --dir) must not read as "nothing was
        // touched", nor create an audit there.
        if (!existsSync(join(dir, KEY_FILE))) {
          throw new CliError(
            'NotFound',
            `no audit in ${dir} (no ${KEY_FILE}): check --dir`,
            ExitCode.NotFound,
          );
        }
        const { registry } = openAuditDir(dir);
        try {
          const { records, bad } = readJsonl(resolve(dir, REQUESTS_FILE), parseRequestRecord);
          const report = buildTokenReport(registry.all(), records);
          if (json)
            ctx.io.stdout(JSON.stringify({ ...report, unreadable_lines: bad + registry.badLines }) + '\n');
          else ctx.io.stdout(renderTokenReport(report) + '\n');
          if (bad + registry.badLines > 0)
            ctx.io.stderr(`warning: ${bad + registry.badLines} unreadable log line(s)\n`);
        } finally {
          registry.close();
        }
      });

    audit
      .command('server-view')
      .description("what someone who stole a relay's data directory would hold (opened read-only)")
      .requiredOption('--data <dir>', 'relay data directory')
      .option(
        '--needle <text...>',
        'also search every byte of every file for these (raw, base64, hex, UTF-16, %-encoded)',
      )
      .action((_o: unknown, self: Command) => {
        const { json } = ctx.globals(self);
        const o = self.opts<Record<string, unknown>>();
        const needles = Array.isArray(o['needle']) ? o['needle'].map(String) : [];
        let view;
        try {
          view = serverView(resolve(String(o['data'])), needles);
        } catch {
          throw new CliError(
            'NotFound',
            `no such data directory: ${resolve(String(o['data']))}`,
            ExitCode.NotFound,
          );
        }
        ctx.io.stdout((json ? JSON.stringify(view) : renderServerView(view)) + '\n');
      });
  },
};
