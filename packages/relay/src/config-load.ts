// Reads the relay configuration from its four sources, in precedence order
// flags > SOTTO_* environment > JSON config file > defaults, and validates it once, at start-up.
// Every error names the offending key and where its value came from.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { redactUrl } from './config-redact.js';
import {
  RELAY_CONFIG_KEYS,
  RELAY_CONFIG_PATH_KEYS,
  RELAY_CONFIG_URL_KEYS,
  envNameFor,
  flagNameFor,
  relayConfigKinds,
  relayConfigSchema,
  relayConfigShape,
} from './config-schema.js';
import type { RelayConfig, RelayConfigKey } from './config-schema.js';

export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

export type ConfigErrorCode =
  'InvalidConfigValue' | 'UnknownConfigKey' | 'ConfigFileUnreadable' | 'ConfigFileInvalid';

/** A configuration problem found at start-up; `message` is one line fit to show an operator. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  readonly key: string | undefined;
  readonly source: string | undefined;

  constructor(code: ConfigErrorCode, message: string, key?: string, source?: string) {
    super(message);
    this.code = code;
    this.key = key;
    this.source = source;
  }

  static is(err: unknown, code?: ConfigErrorCode): err is ConfigError {
    return err instanceof ConfigError && (code === undefined || err.code === code);
  }
}

export interface LoadRelayConfigOptions {
  /** Values from the command line, keyed by config key; `undefined` means "not given". */
  readonly flags?: Readonly<Partial<Record<RelayConfigKey, unknown>>>;
  /** The environment (normally `process.env`); only `SOTTO_*` names are read. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON config file; when absent, `SOTTO_CONFIG` from `env` is used if set. */
  readonly configFile?: string | undefined;
  /** Injectable file reader (tests). */
  readonly readFile?: (path: string) => string;
}

export interface ResolvedRelayConfig {
  readonly config: RelayConfig;
  /** Where each key's value came from. */
  readonly sources: Readonly<Record<RelayConfigKey, ConfigSource>>;
  /** The config file actually read, if any. */
  readonly configFile: string | undefined;
}

/** Resolves and validates the configuration; throws `ConfigError` naming the key and source. */
export function loadRelayConfig(options: LoadRelayConfigOptions = {}): RelayConfig {
  return resolveRelayConfig(options).config;
}

/** Like `loadRelayConfig`, and also reports where each value came from (for `--print-config`). */
export function resolveRelayConfig(options: LoadRelayConfigOptions = {}): ResolvedRelayConfig {
  const env = options.env ?? {};
  const flags = options.flags ?? {};
  for (const name of Object.keys(flags)) {
    if (!(RELAY_CONFIG_KEYS as string[]).includes(name)) {
      throw new ConfigError('UnknownConfigKey', `unknown config key "${name}" given as a flag`, name, 'flag');
    }
  }
  const configFile = options.configFile ?? nonEmpty(env['SOTTO_CONFIG']);
  const file = configFile === undefined ? {} : readConfigFile(configFile, options.readFile);

  const values: Record<string, unknown> = {};
  const sources = {} as Record<RelayConfigKey, ConfigSource>;
  for (const key of RELAY_CONFIG_KEYS) {
    const picked = pick(key, flags, env, file, configFile);
    sources[key] = picked.source;
    if (picked.source === 'default') continue;
    const parsed = relayConfigShape[key].safeParse(picked.value);
    if (!parsed.success) {
      const why =
        relayConfigKinds[key] === 'int' && typeof picked.value !== 'number'
          ? 'expected an integer'
          : (parsed.error.issues[0]?.message ?? 'invalid value');
      // A rejected URL may still carry a password (wrong scheme, bad port): never echo it whole.
      const got =
        RELAY_CONFIG_URL_KEYS.includes(key) && typeof picked.raw === 'string'
          ? redactUrl(picked.raw)
          : picked.raw;
      throw new ConfigError(
        'InvalidConfigValue',
        `invalid ${key} (from ${picked.label}): ${lowerFirst(why)}, got ${show(got)}`,
        key,
        picked.label,
      );
    }
    values[key] = parsed.data;
  }
  // Each key was checked above; this applies the defaults and is the single source of the type.
  const config = relayConfigSchema.parse(values);
  return { config, sources, configFile };
}

interface Picked {
  readonly source: ConfigSource;
  readonly label: string;
  readonly raw: unknown;
  readonly value: unknown;
}

function pick(
  key: RelayConfigKey,
  flags: Readonly<Partial<Record<RelayConfigKey, unknown>>>,
  env: Readonly<Record<string, string | undefined>>,
  file: Readonly<Record<string, unknown>>,
  configFile: string | undefined,
): Picked {
  const flag = flags[key];
  if (flag !== undefined) {
    return { source: 'flag', label: `flag --${flagNameFor(key)}`, raw: flag, value: fromText(key, flag) };
  }
  const envName = envNameFor(key);
  const fromEnv = nonEmpty(env[envName]);
  if (fromEnv !== undefined) {
    return { source: 'env', label: `env ${envName}`, raw: fromEnv, value: fromText(key, fromEnv) };
  }
  if (configFile !== undefined && Object.hasOwn(file, key)) {
    const raw = file[key];
    const value =
      RELAY_CONFIG_PATH_KEYS.includes(key) && typeof raw === 'string' && !isAbsolute(raw)
        ? resolve(dirname(resolve(configFile)), raw)
        : raw;
    return { source: 'file', label: `config file ${configFile}`, raw, value };
  }
  return { source: 'default', label: 'default', raw: undefined, value: undefined };
}

/** Flags and env vars arrive as text; integers are parsed strictly (no "12abc", no "1e3"). */
function fromText(key: RelayConfigKey, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (relayConfigKinds[key] === 'int' && /^[+-]?\d+$/.test(text)) return Number(text);
  return relayConfigKinds[key] === 'int' ? value : text;
}

function readConfigFile(path: string, readFile?: (path: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = (readFile ?? ((p: string) => readFileSync(p, 'utf8')))(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'read failed';
    throw new ConfigError('ConfigFileUnreadable', `cannot read config file ${path}: ${reason}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      'ConfigFileInvalid',
      `config file ${path} is not valid JSON: ${(err as Error).message}`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError('ConfigFileInvalid', `config file ${path} must hold a JSON object`);
  }
  const record = data as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (!(RELAY_CONFIG_KEYS as string[]).includes(name)) {
      throw new ConfigError(
        'UnknownConfigKey',
        `unknown config key "${name}" in config file ${path}`,
        name,
        `config file ${path}`,
      );
    }
  }
  return record;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? text.slice(0, 77) + '...' : text;
}
