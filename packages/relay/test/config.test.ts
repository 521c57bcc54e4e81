import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  ConfigError,
  RELAY_CONFIG_KEYS,
  REDACTED,
  defaultRelayConfig,
  envNameFor,
  flagNameFor,
  RELAY_FLAG_ALIASES,
  loadRelayConfig,
  redactConfig,
  redactUrl,
  resolveRelayConfig,
} from '../src/config.js';

const fileOf = (data: unknown) => () => JSON.stringify(data);

function expectConfigError(fn: () => unknown, code: string, ...fragments: string[]): ConfigError {
  try {
    fn();
  } catch (err) {
    if (!ConfigError.is(err)) return assert.fail(`expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, code);
    for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" should mention "${f}"`);
    assert.ok(!err.message.includes('\n'), 'config errors are one line');
    return err;
  }
  return assert.fail('expected a ConfigError');
}

void describe('loadRelayConfig()', () => {
  void it('applies safe defaults: loopback, ./data, 30-day TTL, no web root, no scale-out URLs', () => {
    const c = loadRelayConfig();
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8787);
    assert.equal(c.dataDir, './data');
    assert.equal(c.messageTtlSeconds, 30 * 24 * 3600);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.webRoot, undefined);
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.busUrl, undefined);
    assert.deepEqual(c, defaultRelayConfig());
  });

  void it('takes flags over env over config file over defaults, key by key', () => {
    const r = resolveRelayConfig({
      flags: { port: '9001', host: undefined },
      env: { SOTTO_PORT: '9002', SOTTO_HOST: '0.0.0.0', SOTTO_LOG_LEVEL: 'warn' },
      configFile: '/etc/sotto/relay.json',
      readFile: fileOf({ port: 9003, host: '10.0.0.1', logLevel: 'debug', maxConnections: 7 }),
    });
    assert.equal(r.config.port, 9001);
    assert.equal(r.sources.port, 'flag');
    assert.equal(r.config.host, '0.0.0.0');
    assert.equal(r.sources.host, 'env');
    assert.equal(r.config.logLevel, 'warn');
    assert.equal(r.config.maxConnections, 7);
    assert.equal(r.sources.maxConnections, 'file');
    assert.equal(r.config.dataDir, './data');
    assert.equal(r.sources.dataDir, 'default');
  });

  void it('obeys the precedence for every key and any combination of sources (property)', () => {
    const sample: Record<string, [string, unknown]> = {
      port: ['4000', 4000],
      maxFrameBytes: ['65536', 65536],
      logLevel: ['error', 'error'],
      host: ['::1', '::1'],
    };
    const keys = Object.keys(sample);
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (key, inFlag, inEnv, inFile) => {
          const [text, value] = sample[key]!;
          // Each source gets a distinct but valid value, so the winner is visible.
          const alt = (n: number) => (typeof value === 'number' ? String(value + n) : text);
          const flags = inFlag ? { [key]: text } : {};
          const env = inEnv ? { [envNameFor(key as never)]: alt(1) } : {};
          const file = inFile ? { [key]: typeof value === 'number' ? value + 2 : value } : {};
          const r = resolveRelayConfig({ flags, env, configFile: 'c.json', readFile: fileOf(file) });
          const expected = inFlag ? 'flag' : inEnv ? 'env' : inFile ? 'file' : 'default';
          assert.equal(r.sources[key as never], expected);
          if (typeof value === 'number') {
            const want = { flag: value, env: value + 1, file: value + 2 }[expected as 'flag'];
            if (want !== undefined) assert.equal(r.config[key as never], want);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  void it('reads the config file named by SOTTO_CONFIG when no path is given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-config-'));
    try {
      const path = join(dir, 'relay.json');
      writeFileSync(path, JSON.stringify({ port: 1234, dataDir: 'store', webRoot: '/srv/web' }));
      const r = resolveRelayConfig({ env: { SOTTO_CONFIG: path } });
      assert.equal(r.configFile, path);
      assert.equal(r.config.port, 1234);
      // Relative paths in a config file are relative to the file, not to wherever the relay starts.
      assert.equal(r.config.dataDir, join(dir, 'store'));
      assert.equal(r.config.webRoot, '/srv/web');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('ignores empty and unrelated environment variables', () => {
    const c = loadRelayConfig({
      env: { SOTTO_PORT: '', SOTTO_HOME: '/x', PORT: '1', SOTTO_PASSPHRASE: 'p' },
    });
    assert.equal(c.port, 8787);
  });

  void it('maps every key to a SOTTO_ environment variable', () => {
    assert.equal(envNameFor('maxFrameBytes'), 'SOTTO_MAX_FRAME_BYTES');
    for (const key of RELAY_CONFIG_KEYS) assert.match(envNameFor(key), /^SOTTO_[A-Z_]+$/);
  });

  void it('names the scale-out flags as issue 8 spells them, keeping the old spellings as aliases', () => {
    assert.equal(flagNameFor('databaseUrl'), 'database');
    assert.equal(flagNameFor('busUrl'), 'bus');
    assert.equal(flagNameFor('dataDir'), 'data');
    assert.equal(flagNameFor('maxFrameBytes'), 'max-frame-bytes');
    assert.deepEqual(RELAY_FLAG_ALIASES.databaseUrl, ['database-url']);
    assert.deepEqual(RELAY_FLAG_ALIASES.busUrl, ['bus-url']);
    const flags = RELAY_CONFIG_KEYS.map(flagNameFor);
    const aliases = Object.values(RELAY_FLAG_ALIASES).flat();
    assert.equal(new Set([...flags, ...aliases]).size, flags.length + aliases.length, 'no flag named twice');
    expectConfigError(
      () => loadRelayConfig({ flags: { databaseUrl: 'mysql://x/y' } }),
      'InvalidConfigValue',
      'flag --database)',
    );
  });

  void it('accepts port 0 for tests and optional scale-out URLs', () => {
    const c = loadRelayConfig({
      flags: { port: 0, databaseUrl: 'postgres://db.internal/sotto', busUrl: 'redis://127.0.0.1:6379' },
    });
    assert.equal(c.port, 0);
    assert.equal(c.databaseUrl, 'postgres://db.internal/sotto');
  });
});

void describe('loadRelayConfig() validation errors', () => {
  void it('names the key and the env var for a non-numeric port', () => {
    const err = expectConfigError(
      () => loadRelayConfig({ env: { SOTTO_PORT: 'eighty' } }),
      'InvalidConfigValue',
      'port',
      'SOTTO_PORT',
      'integer',
      '"eighty"',
    );
    assert.equal(err.key, 'port');
  });

  void it('names the flag for an out-of-range value', () => {
    expectConfigError(() => loadRelayConfig({ flags: { port: '70000' } }), 'InvalidConfigValue', '--port');
    expectConfigError(
      () => loadRelayConfig({ flags: { maxFrameBytes: '-5' } }),
      'InvalidConfigValue',
      '--max-frame-bytes',
    );
  });

  void it('caps attachmentMaxBytes at 255 MiB, the largest blob both stores can hand back', () => {
    const MIB = 1024 * 1024;
    assert.equal(
      loadRelayConfig({ flags: { attachmentMaxBytes: String(255 * MIB) } }).attachmentMaxBytes,
      255 * MIB,
    );
    for (const bytes of [256 * MIB, 600 * MIB, 4096 * MIB]) {
      expectConfigError(
        () => loadRelayConfig({ env: { SOTTO_ATTACHMENT_MAX_BYTES: String(bytes) } }),
        'InvalidConfigValue',
        'attachmentMaxBytes',
        String(255 * MIB),
      );
    }
  });

  void it('rejects numbers with trailing junk, fractions and exponents from text sources', () => {
    for (const bad of ['80abc', '80.5', '1e3', '0x50', '']) {
      if (bad === '') continue; // empty means "unset" for env; checked separately
      expectConfigError(() => loadRelayConfig({ flags: { port: bad } }), 'InvalidConfigValue', 'port');
    }
  });

  void it('names the config file for a wrongly typed value in it', () => {
    expectConfigError(
      () => loadRelayConfig({ configFile: 'relay.json', readFile: fileOf({ port: '8080' }) }),
      'InvalidConfigValue',
      'port',
      'config file relay.json',
    );
  });

  void it('rejects an unknown log level and a scale-out URL with the wrong scheme', () => {
    expectConfigError(
      () => loadRelayConfig({ env: { SOTTO_LOG_LEVEL: 'chatty' } }),
      'InvalidConfigValue',
      'logLevel',
      'SOTTO_LOG_LEVEL',
    );
    expectConfigError(
      () => loadRelayConfig({ env: { SOTTO_DATABASE_URL: 'mysql://x/y' } }),
      'InvalidConfigValue',
      'databaseUrl',
    );
    expectConfigError(
      () => loadRelayConfig({ flags: { busUrl: 'not a url' } }),
      'InvalidConfigValue',
      'busUrl',
    );
  });

  void it('never echoes the credentials of a rejected scale-out URL', () => {
    const cases: [() => unknown, string][] = [
      [() => loadRelayConfig({ flags: { databaseUrl: 'mysql://sotto:hunter2@db/sotto' } }), 'databaseUrl'],
      [
        () => loadRelayConfig({ env: { SOTTO_DATABASE_URL: 'postgres://sotto:hunter2@db:99999/x' } }),
        'databaseUrl',
      ],
      [() => loadRelayConfig({ env: { SOTTO_BUS_URL: 'http://:hunter2@bus/?token=hunter2' } }), 'busUrl'],
      [
        () => loadRelayConfig({ configFile: 'r.json', readFile: fileOf({ busUrl: 'ftp://u:hunter2@bus' }) }),
        'busUrl',
      ],
    ];
    for (const [load, key] of cases) {
      const err = expectConfigError(load, 'InvalidConfigValue', key, 'expected a URL');
      assert.ok(!err.message.includes('hunter2'), err.message);
    }
  });

  void it('rejects unknown keys in the config file (typos must not pass silently)', () => {
    expectConfigError(
      () => loadRelayConfig({ configFile: 'r.json', readFile: fileOf({ prot: 1 }) }),
      'UnknownConfigKey',
      '"prot"',
    );
  });

  void it('rejects a config file that is missing, not JSON, or not an object', () => {
    expectConfigError(
      () => loadRelayConfig({ configFile: '/nonexistent/sotto/relay.json' }),
      'ConfigFileUnreadable',
      '/nonexistent/sotto/relay.json',
      'ENOENT',
    );
    expectConfigError(
      () => loadRelayConfig({ configFile: 'r.json', readFile: () => '{port: 1' }),
      'ConfigFileInvalid',
      'r.json',
    );
    expectConfigError(
      () => loadRelayConfig({ configFile: 'r.json', readFile: fileOf([1, 2]) }),
      'ConfigFileInvalid',
      'JSON object',
    );
  });

  void it('rejects unknown flag keys (a programming error in the CLI)', () => {
    expectConfigError(() => loadRelayConfig({ flags: { nope: 1 } as never }), 'UnknownConfigKey', 'nope');
  });
});

void describe('redactConfig()', () => {
  void it('masks credentials and query values in the scale-out URLs', () => {
    const c = loadRelayConfig({
      flags: {
        databaseUrl: 'postgres://sotto:hunter2@db.internal:5432/sotto?sslpassword=s3cret',
        busUrl: 'redis://:t0ken@10.0.0.5:6379/0',
      },
    });
    const printed = JSON.stringify(redactConfig(c));
    for (const secret of ['hunter2', 's3cret', 't0ken', 'sotto:'])
      assert.ok(!printed.includes(secret), secret);
    assert.ok(printed.includes('db.internal:5432'), 'host and port stay visible for debugging');
    assert.ok(printed.includes(REDACTED));
  });

  void it('leaves ordinary values untouched and omits unset optionals', () => {
    const c = defaultRelayConfig();
    const r = redactConfig(c);
    assert.equal(r['port'], c.port);
    assert.equal(r['dataDir'], c.dataDir);
    assert.ok(!('databaseUrl' in r));
  });

  void it('never leaks user-info from any URL (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]{3,12}$/),
        fc.stringMatching(/^[A-Za-z0-9]{6,20}$/),
        (user, pass) => {
          const out = redactUrl(`postgres://${user}:${pass}@h/db`);
          return !out.includes(pass) && !out.includes(`${user}:`);
        },
      ),
    );
  });

  void it('masks an unparsable URL whole', () => {
    assert.equal(redactUrl('::not-a-url::'), REDACTED);
  });
});
