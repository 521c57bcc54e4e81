// Runs the relay until the first SIGINT/SIGTERM, then closes it (the relay drains in-flight
// writes before close() resolves). A second signal, or the grace period running out, gives up.
import { resolve as resolvePath } from 'node:path';
import { redactUrl } from '@sotto/relay/config';
import type { RelayConfig } from '@sotto/relay/config';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';

export interface ServeOptions {
  readonly io: CliIO;
  readonly json: boolean;
  readonly graceSeconds: number;
}

export async function serveUntilSignal(config: RelayConfig, opts: ServeOptions): Promise<void> {
  const { io, json } = opts;
  // Loaded lazily: other subcommands should not pay for SQLite and the server.
  const { startRelay } = await import('@sotto/relay');

  // Subscribe before starting so a signal during start-up is not lost.
  let signalled: (s: string) => void = () => {};
  const firstSignal = new Promise<string>((resolve) => (signalled = resolve));
  let signals = 0;
  let forced: (s: string) => void = () => {};
  const secondSignal = new Promise<string>((resolve) => (forced = resolve));
  const unsubscribe = io.onSignal((signal) => {
    signals += 1;
    if (signals === 1) signalled(signal);
    else forced(signal);
  });

  try {
    const relay = await startRelay(config);
    if (json) {
      io.stdout(
        JSON.stringify({ event: 'listening', url: relay.url, host: relay.host, port: relay.port }) + '\n',
      );
    } else {
      io.stdout(`sotto relay listening on ${relay.url}\n`);
      // Where envelopes are kept: the SQLite data directory, or the database (credentials masked).
      io.stderr(
        config.databaseUrl === undefined
          ? `data directory: ${resolvePath(config.dataDir)} (Ctrl-C to stop)\n`
          : `database: ${redactUrl(config.databaseUrl)} (Ctrl-C to stop)\n`,
      );
      if (config.busUrl !== undefined) io.stderr(`delivery bus: ${redactUrl(config.busUrl)}\n`);
      if (config.webRoot !== undefined)
        io.stderr(`web client: ${relay.url}/ (files from ${resolvePath(config.webRoot)})\n`);
    }

    const signal = await firstSignal;
    io.stderr(`${signal}: draining in-flight writes and shutting down\n`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), opts.graceSeconds * 1000);
    });
    const outcome = await Promise.race([
      relay.close().then(() => 'closed' as const),
      timeout,
      secondSignal.then(() => 'forced' as const),
    ]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      throw new CliError(
        'ShutdownTimeout',
        `relay did not shut down within ${opts.graceSeconds}s`,
        ExitCode.ShutdownTimeout,
      );
    }
    if (outcome === 'forced') {
      throw new CliError('Interrupted', 'second signal: stopped without draining', ExitCode.Interrupted);
    }
    if (json) io.stdout(JSON.stringify({ event: 'stopped', signal }) + '\n');
    else io.stderr('relay stopped\n');
  } finally {
    unsubscribe();
  }
}
