import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import type { Command } from 'commander';
import { COMMANDS, CliError, ExitCode, runCli } from '../src/index.js';
import type { CliCommand } from '../src/index.js';
import { fakeIO } from './fake-io.js';
import { homeDir, withHome } from '../src/commands/messenger-session.js';

const run = async (argv: string[], env: Record<string, string> = {}, commands = COMMANDS) => {
  const io = fakeIO(env);
  const code = await runCli(argv, io, commands);
  return { code, out: io.out, err: io.err };
};

/** A throwaway command to drive the error paths without a relay. */
const failing = (err: unknown): CliCommand => ({
  register(program: Command) {
    program.command('boom').action(() => {
      throw err;
    });
  },
});

void describe('sotto (program)', () => {
  void it('takes --home before or after the command name (the one after wins)', async () => {
    const seen: string[] = [];
    const probe: CliCommand = {
      register(program: Command, ctx) {
        withHome(program.command('probe')).action((_opts, cmd: Command) => {
          seen.push(homeDir(ctx, cmd));
        });
      },
    };
    for (const argv of [
      ['--home', '/tmp/a', 'probe'],
      ['probe', '--home', '/tmp/b'],
      ['--home', '/tmp/a', 'probe', '--home', '/tmp/c'],
    ]) {
      assert.equal((await run(argv, {}, [probe])).code, ExitCode.Ok);
    }
    assert.deepEqual(seen, ['/tmp/a', '/tmp/b', '/tmp/c']);
  });

  void it('prints help and exits 0 with --help, listing the relay command and the exit codes', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, ExitCode.Ok);
    assert.match(r.out, /relay/);
    assert.match(r.out, /Exit codes:/);
    // Every code of docs/cli.md's table is listed.
    for (const code of Object.values(ExitCode)) assert.match(r.out, new RegExp(`\\b${code} [a-z]`));
  });

  void it('prints the version', async () => {
    const r = await run(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.out, /^\d+\.\d+\.\d+/);
  });

  void it('exits 2 with one line for an unknown command or option', async () => {
    // '--bogus' is close to '--bus': commander's suggestion stays on the same line.
    for (const argv of [['frobnicate'], ['relay', '--bogus'], ['--nope']]) {
      const r = await run(argv);
      assert.equal(r.code, ExitCode.Usage, argv.join(' '));
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /^error: /);
    }
  });

  void it('exits 2 without a command (help goes to stderr)', async () => {
    const r = await run([]);
    assert.equal(r.code, ExitCode.Usage);
    assert.match(r.err, /Usage: sotto/);
  });

  void it('shows typed errors as one line without a stack, and the stack with --debug', async () => {
    const err = new CliError('NoSuchContact', 'unknown contact "bob"', ExitCode.NotFound);
    const plain = await run(['boom'], {}, [failing(err)]);
    assert.equal(plain.code, ExitCode.NotFound);
    assert.equal(plain.err, 'error: unknown contact "bob"\n');
    const debug = await run(['--debug', 'boom'], {}, [failing(err)]);
    assert.match(debug.err, /^error: unknown contact "bob"\n/);
    assert.match(debug.err, /at /, 'stack shown with --debug');
  });

  void it('treats an unexpected exception as exit 1 and keeps it to one line', async () => {
    const r = await run(['boom'], {}, [
      failing(new TypeError('x is not a function\n    at foo (bar.js:1:1)')),
    ]);
    assert.equal(r.code, ExitCode.Internal);
    assert.equal(r.err, 'error: x is not a function\n');
  });

  void it('maps EADDRINUSE to exit 3 (unavailable)', async () => {
    const e = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8787'), {
      code: 'EADDRINUSE',
    });
    const r = await run(['boom'], {}, [failing(e)]);
    assert.equal(r.code, ExitCode.Unavailable);
    assert.match(r.err, /choose another --port/);
  });

  void it('reports errors as a JSON object on stderr with --json', async () => {
    const r = await run(['--json', 'boom'], {}, [failing(new CliError('Nope', 'no', ExitCode.Auth))]);
    assert.equal(r.code, ExitCode.Auth);
    assert.deepEqual(JSON.parse(r.err), { error: { code: 'Nope', message: 'no' } });
  });
});

void describe('sotto relay (without starting a server)', () => {
  void it('--print-config prints every key with its source and exits 0', async () => {
    const r = await run(['relay', '--port', '9999', '--print-config'], { SOTTO_HOST: '::1' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^port\s+9999\s+# flag$/m);
    assert.match(r.out, /^host\s+"::1"\s+# env$/m);
    assert.match(r.out, /^dataDir\s+"\.\/data"\s+# default$/m);
  });

  void it('--print-config redacts credentials in URLs, in text and JSON', async () => {
    const env = { SOTTO_BUS_URL: 'redis://:sup3rsecret@10.1.2.3:6379' };
    const argv = ['relay', '--database-url', 'postgres://admin:hunter2@db/sotto', '--print-config'];
    for (const extra of [[], ['--json']]) {
      const r = await run([...extra, ...argv], env);
      assert.equal(r.code, 0, r.err);
      assert.ok(
        !r.out.includes('hunter2') && !r.out.includes('sup3rsecret') && !r.out.includes('admin'),
        r.out,
      );
      assert.match(r.out, /REDACTED/);
    }
    const j = await run(['--json', ...argv], env);
    const parsed = JSON.parse(j.out);
    assert.equal(parsed.sources.busUrl, 'env');
    assert.equal(parsed.config.port, 8787);
  });

  void it('rejects bad flag values with one line naming the flag, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--port', 'http'], /--port/],
      [['--port', '65536'], /--port/],
      [['--max-frame-bytes', '12abc'], /--max-frame-bytes/],
      [['--log-level', 'shout'], /--log-level/],
      [['--database', 'mysql://x'], /--database/],
      [['--database-url', 'mysql://x'], /--database/], // the old spelling, reported by its new name
    ];
    for (const [flags, pattern] of cases) {
      const r = await run(['relay', ...flags, '--print-config']);
      assert.equal(r.code, ExitCode.Usage, flags.join(' '));
      assert.match(r.err, pattern);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.equal(r.out, '');
    }
  });

  void it('rejects a bad env value naming the variable, and a missing config file', async () => {
    const r = await run(['relay', '--print-config'], { SOTTO_MAX_CONNECTIONS: 'lots' });
    assert.equal(r.code, ExitCode.Usage);
    assert.match(r.err, /SOTTO_MAX_CONNECTIONS/);
    const f = await run(['relay', '--config', '/nonexistent/relay.json', '--print-config']);
    assert.equal(f.code, ExitCode.Usage);
    assert.match(f.err, /cannot read config file \/nonexistent\/relay\.json/);
  });

  void it('rejects a bad --shutdown-grace before starting anything', async () => {
    const r = await run(['relay', '--shutdown-grace', 'soon', '--data', '/nonexistent-never-created']);
    assert.equal(r.code, ExitCode.Usage);
    assert.match(r.err, /--shutdown-grace/);
  });
});
