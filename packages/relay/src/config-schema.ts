// The relay's configuration: one flat, strict schema with defaults. Flat keys map one-to-one onto
// flags (--kebab-case), environment variables (SOTTO_SCREAMING_SNAKE) and config-file JSON keys, so
// an operator can predict every name from the table in docs/relay.md.
import { z } from 'zod';

const MIB = 1024 * 1024;
const DAY = 24 * 60 * 60;

/** The largest attachmentMaxBytes either store can hold and hand back (see attachmentMaxBytes). */
export const MAX_ATTACHMENT_BYTES = 255 * MIB;

const count = (max: number) => z.number().int().min(1).max(max);
const seconds = (min: number, max: number) => z.number().int().min(min).max(max);

/** A URL string for the scale-out adapters (issue 8), checked for an allowed scheme. */
const serviceUrl = (schemes: readonly string[]) =>
  z.string().refine((s) => URL.canParse(s) && schemes.includes(new URL(s).protocol), {
    message: `expected a URL with scheme ${schemes.join(' or ')}`,
  });

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const relayConfigShape = {
  /** Address to bind. Loopback by default: put a TLS reverse proxy in front for the Internet. */
  host: z.string().min(1).default('127.0.0.1'),
  /** TCP port for HTTP and WebSocket; 0 picks a free port (tests). */
  port: z.number().int().min(0).max(65535).default(8787),
  /** Directory holding the SQLite database (created if missing). */
  dataDir: z.string().min(1).default('./data'),
  /** Undelivered envelopes are swept after this long. */
  messageTtlSeconds: seconds(60, 365 * DAY).default(30 * DAY),
  /** Envelopes queued for one device before submits to it fail with a queue-full error. */
  perDeviceQueueCap: count(10_000_000).default(50_000),
  /** Largest WebSocket frame accepted, in bytes. */
  maxFrameBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * MIB)
    .default(256 * 1024),
  /** Largest HTTP JSON body accepted, in bytes (attachments have their own limit). */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * MIB)
    .default(1 * MIB),
  /**
   * Largest encrypted attachment accepted, in bytes. At most 255 MiB: PostgreSQL returns a bytea as
   * hex text, two characters a byte, and node-postgres cannot build a string of 512 MiB (V8's limit
   * is 2^29 − 24 characters), so reading a 256 MiB blob crashes the process; better-sqlite3 refuses
   * to bind a blob of 512 MiB. Both were measured; below the cap both stores round-trip the bytes.
   */
  attachmentMaxBytes: z
    .number()
    .int()
    .min(1024)
    .max(MAX_ATTACHMENT_BYTES)
    .default(100 * MIB),
  /** Attachments are deleted this long after upload. */
  attachmentTtlSeconds: seconds(60, 365 * DAY).default(30 * DAY),
  /** Prekey bundle claims one requesting device may make per minute. */
  bundleClaimsPerRequesterPerMinute: count(1_000_000).default(120),
  /** Prekey bundle claims against one target account per minute, from everyone together. */
  bundleClaimsPerTargetPerMinute: count(1_000_000).default(600),
  /** Account and username lookups one requesting device may make per minute (stops enumeration). */
  lookupsPerRequesterPerMinute: count(1_000_000).default(120),
  /**
   * New accounts on this relay per minute, everyone together (bursts up to this): bounds how fast
   * anyone can mint accounts, and with them fresh per-device lookup and claim allowances.
   */
  registrationsPerMinute: count(1_000_000).default(60),
  /**
   * New accounts per client address per minute (bursts up to this; IPv6 counted per /64), so that one
   * address cannot use up registrationsPerMinute for everyone. Counted in this node's memory only,
   * never stored. 0 turns it off: behind a reverse proxy every client has the proxy's address.
   */
  registrationsPerAddressPerMinute: z.number().int().min(0).max(1_000_000).default(10),
  /** Envelope submits per WebSocket connection per second (a token bucket; bursts up to this). */
  submitsPerConnectionPerSecond: count(1_000_000).default(5_000),
  /** Bytes queued to one slow WebSocket before the relay stops pushing to it (then closes it). */
  maxBufferedBytesPerConnection: z
    .number()
    .int()
    .min(64 * 1024)
    .max(1024 * MIB)
    .default(8 * MIB),
  /**
   * Bytes of WebSocket frames being received (begun, not yet complete) on all connections together;
   * beyond it the connections holding the most are cut. Never less than maxFrameBytes in effect.
   */
  maxFrameBytesInProgress: z
    .number()
    .int()
    .min(64 * 1024)
    .max(64 * 1024 * MIB)
    .default(64 * MIB),
  /** Concurrent WebSocket connections before new ones are refused. */
  maxConnections: count(10_000_000).default(100_000),
  /** WebSockets from one IP address that have not authenticated yet, before more from it are refused. */
  maxUnauthenticatedPerIp: count(10_000_000).default(256),
  /** A WebSocket must authenticate within this many seconds of opening. */
  authTimeoutSeconds: seconds(1, 3600).default(10),
  /** A connection silent this long (no frames, no pongs) is closed; pings go out at a third of it. */
  idleTimeoutSeconds: seconds(5, 24 * 3600).default(90),
  /**
   * Every connected device's credential is checked against the store this often: the backstop that
   * cuts off a removed device whose removal notice never reached this node.
   */
  sessionRecheckSeconds: seconds(1, 24 * 3600).default(60),
  /** Log verbosity. Logs never contain identifiers pairing senders and recipients. */
  logLevel: z.enum(LOG_LEVELS).default('info'),
  /** Optional directory of static files served at / (the web client). */
  webRoot: z.string().min(1).optional(),
  /** Scale-out (issue 8): PostgreSQL URL; when set, the relay stores everything there instead of SQLite. */
  databaseUrl: serviceUrl(['postgres:', 'postgresql:']).optional(),
  /** Scale-out (issue 8): delivery-hint bus, redis:// (pub/sub) or postgres:// (LISTEN/NOTIFY); default: LISTEN/NOTIFY on databaseUrl, else in-process. */
  busUrl: serviceUrl(['redis:', 'rediss:', 'postgres:', 'postgresql:']).optional(),
} as const;

export const relayConfigSchema = z.strictObject(relayConfigShape);

/** The validated relay configuration, every default applied. */
export type RelayConfig = z.output<typeof relayConfigSchema>;
export type RelayConfigKey = keyof RelayConfig;

export const RELAY_CONFIG_KEYS = Object.keys(relayConfigShape) as RelayConfigKey[];

/** How a key's text form (flag or env var) turns into a value. */
export type ConfigKind = 'string' | 'int' | 'enum';

export const relayConfigKinds: Readonly<Record<RelayConfigKey, ConfigKind>> = {
  host: 'string',
  port: 'int',
  dataDir: 'string',
  messageTtlSeconds: 'int',
  perDeviceQueueCap: 'int',
  maxFrameBytes: 'int',
  maxBodyBytes: 'int',
  attachmentMaxBytes: 'int',
  attachmentTtlSeconds: 'int',
  bundleClaimsPerRequesterPerMinute: 'int',
  bundleClaimsPerTargetPerMinute: 'int',
  lookupsPerRequesterPerMinute: 'int',
  registrationsPerMinute: 'int',
  registrationsPerAddressPerMinute: 'int',
  submitsPerConnectionPerSecond: 'int',
  maxBufferedBytesPerConnection: 'int',
  maxFrameBytesInProgress: 'int',
  maxConnections: 'int',
  maxUnauthenticatedPerIp: 'int',
  authTimeoutSeconds: 'int',
  idleTimeoutSeconds: 'int',
  sessionRecheckSeconds: 'int',
  logLevel: 'enum',
  webRoot: 'string',
  databaseUrl: 'string',
  busUrl: 'string',
};

/** Keys whose values are filesystem paths: relative paths in a config file are resolved against it. */
export const RELAY_CONFIG_PATH_KEYS: readonly RelayConfigKey[] = ['dataDir', 'webRoot'];

/** Keys whose values may carry credentials and are redacted when printed. */
export const RELAY_CONFIG_URL_KEYS: readonly RelayConfigKey[] = ['databaseUrl', 'busUrl'];

/** The environment variable naming a key: `maxFrameBytes` → `SOTTO_MAX_FRAME_BYTES`. */
export function envNameFor(key: RelayConfigKey): string {
  return 'SOTTO_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

/** Keys whose flag is not the kebab-case key: the spellings the issues ask for. */
const FLAG_NAMES: Partial<Record<RelayConfigKey, string>> = {
  dataDir: 'data', // issue 3: `sotto relay --data DIR`
  databaseUrl: 'database', // issue 8: `sotto relay --database postgres://…`
  busUrl: 'bus', // issue 8: `[--bus redis://…]`
};

/** The long flag naming a key: `maxFrameBytes` → `max-frame-bytes`; see FLAG_NAMES for the others. */
export function flagNameFor(key: RelayConfigKey): string {
  return FLAG_NAMES[key] ?? key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/**
 * Older flag spellings still accepted (hidden from --help): `--database-url` and `--bus-url` were the
 * first names of the scale-out flags, and scripts written against them keep working.
 */
export const RELAY_FLAG_ALIASES: Readonly<Partial<Record<RelayConfigKey, readonly string[]>>> = {
  databaseUrl: ['database-url'],
  busUrl: ['bus-url'],
};

/** The defaults alone, validated (a config with nothing set). */
export function defaultRelayConfig(): RelayConfig {
  return relayConfigSchema.parse({});
}
