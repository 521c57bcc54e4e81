// `sotto relay`: run a relay in the foreground until SIGINT/SIGTERM, then drain and exit 0.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import {
  RELAY_CONFIG_KEYS,
  RELAY_FLAG_ALIASES,
  defaultRelayConfig,
  envNameFor,
  flagNameFor,
  relayConfigHelp,
  relayConfigKinds,
  resolveRelayConfig,
} from '@sotto/relay/config';
import type { RelayConfigKey } from '@sotto/relay/config';
import { CliError } from '../cli-error.js';
import type { CliCommand, CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatConfig } from './relay-print-config.js';
import { serveUntilSignal } from './relay-serve.js';
import { defaultWebRoot } from './web-root.js';

/** Seconds the relay gets to drain in-flight writes after a signal before the CLI gives up. */
const DEFAULT_SHUTDOWN_GRACE_SECONDS = 30;

export const relayCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    const cmd = program
      .command('relay')
      .description(
        'run a Sotto relay (HTTP + WebSocket; SQLite store, or PostgreSQL with --database) in the foreground',
      )
      .option('--config <file>', 'JSON config file (env SOTTO_CONFIG)')
      .option('--print-config', 'print the effective configuration, credentials redacted, and exit')
      .option(
        '--shutdown-grace <seconds>',
        'seconds to drain in-flight writes after SIGINT/SIGTERM',
        String(DEFAULT_SHUTDOWN_GRACE_SECONDS),
      );
    const attrs = new Map<RelayConfigKey, string>();
    const aliases: { key: RelayConfigKey; attr: string; flag: string }[] = [];
    const defaults = defaultRelayConfig();
    for (const key of RELAY_CONFIG_KEYS) {
      const placeholder = relayConfigKinds[key] === 'int' ? '<n>' : key.endsWith('Dir') ? '<dir>' : '<value>';
      const dflt = defaults[key];
      const help = `${relayConfigHelp[key]} (env ${envNameFor(key)}${dflt === undefined ? '' : `, default ${String(dflt)}`})`;
      const option = new Option(`--${flagNameFor(key)} ${placeholder}`, help);
      attrs.set(key, option.attributeName());
      cmd.addOption(option);
      for (const alias of RELAY_FLAG_ALIASES[key] ?? []) {
        const hidden = new Option(`--${alias} ${placeholder}`).hideHelp();
        aliases.push({ key, attr: hidden.attributeName(), flag: alias });
        cmd.addOption(hidden);
      }
    }
    cmd.addHelpText(
      'after',
      '\nPrecedence: flags > SOTTO_* environment > config file > defaults. See docs/relay.md.\n',
    );
    cmd.action(async (_opts: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      const opts = self.opts<Record<string, unknown>>();
      const flags: Partial<Record<RelayConfigKey, unknown>> = {};
      for (const [key, attr] of attrs) if (opts[attr] !== undefined) flags[key] = opts[attr];
      for (const { key, attr, flag } of aliases) {
        if (opts[attr] === undefined) continue;
        if (flags[key] !== undefined) {
          throw new CliError(
            'InvalidFlag',
            `--${flag} is the old spelling of --${flagNameFor(key)}: give only one of them`,
            ExitCode.Usage,
          );
        }
        flags[key] = opts[attr];
      }
      const loaded = resolveRelayConfig({
        flags,
        env: ctx.io.env,
        configFile: typeof opts['config'] === 'string' ? opts['config'] : undefined,
      });
      // `sotto relay`'s own default web root is part of the effective configuration: --print-config
      // shows what will be served (source "default"), not "(unset)".
      const webRoot = loaded.config.webRoot ?? defaultWebRoot();
      const resolved = webRoot === undefined ? loaded : { ...loaded, config: { ...loaded.config, webRoot } };
      if (opts['printConfig'] === true) {
        ctx.io.stdout(formatConfig(resolved, json));
        return;
      }
      const grace = parseGrace(opts['shutdownGrace']);
      // The data directory holds only the SQLite database: with PostgreSQL there is nothing to put there.
      if (resolved.config.databaseUrl === undefined) ensureDataDir(resolved.config.dataDir);
      await serveUntilSignal(resolved.config, { io: ctx.io, json, graceSeconds: grace });
    });
  },
};

function parseGrace(value: unknown): number {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 3600) {
    throw new CliError(
      'InvalidFlag',
      `invalid --shutdown-grace: expected whole seconds between 1 and 3600, got ${JSON.stringify(value)}`,
      ExitCode.Usage,
    );
  }
  return Number(text);
}

/** Creates the data directory up front so a permission problem is a clear one-line error. */
function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(resolve(dataDir), { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new CliError(
      code,
      `cannot create data directory ${resolve(dataDir)}: ${code}`,
      ExitCode.Unavailable,
    );
  }
}
