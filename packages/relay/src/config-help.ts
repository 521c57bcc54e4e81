// One line of help per configuration key, shared by `sotto relay --help` and docs/relay.md.
import type { RelayConfigKey } from './config-schema.js';

export const relayConfigHelp: Readonly<Record<RelayConfigKey, string>> = {
  host: 'address to bind (loopback by default; put a TLS reverse proxy in front)',
  port: 'TCP port for HTTP and WebSocket (0 picks a free port)',
  dataDir: 'directory for the SQLite database (created if missing)',
  messageTtlSeconds: 'undelivered envelopes expire after this many seconds',
  perDeviceQueueCap: 'envelopes queued per device before submits to it are refused',
  maxFrameBytes: 'largest WebSocket frame accepted, in bytes',
  maxBodyBytes: 'largest HTTP JSON body accepted, in bytes',
  attachmentMaxBytes: 'largest encrypted attachment accepted, in bytes',
  attachmentTtlSeconds: 'attachments are deleted this many seconds after upload',
  bundleClaimsPerRequesterPerMinute: 'prekey bundle claims per requesting device per minute',
  bundleClaimsPerTargetPerMinute: 'prekey bundle claims against one account per minute (all requesters)',
  lookupsPerRequesterPerMinute: 'account and username lookups per requesting device per minute',
  registrationsPerMinute: 'new accounts on this relay per minute, all clients together',
  registrationsPerAddressPerMinute:
    'new accounts per client address (IPv6: per /64) per minute, in memory only; 0 = off (set 0 behind a reverse proxy and limit there)',
  submitsPerConnectionPerSecond: 'envelope submits per WebSocket connection per second',
  maxBufferedBytesPerConnection: 'bytes queued to a slow WebSocket before pushes to it stop',
  maxFrameBytesInProgress:
    'bytes of WebSocket frames being received on all connections together before those holding the most are cut',
  maxConnections: 'concurrent WebSocket connections before new ones are refused',
  maxUnauthenticatedPerIp:
    'WebSockets from one client address (IPv6: its /64) not yet authenticated before more from it are refused (behind a reverse proxy all clients share its address)',
  authTimeoutSeconds: 'seconds a new WebSocket has to authenticate',
  idleTimeoutSeconds: 'seconds of silence (no frames, no pongs) before a connection is closed',
  sessionRecheckSeconds:
    "seconds between checks of every connected device's credential against the store (cuts off removed devices)",
  logLevel: 'log verbosity: debug, info, warn, error or silent',
  webRoot:
    'directory of static files to serve at / (the web client; `sotto relay` defaults to packages/web/dist when built)',
  databaseUrl: 'PostgreSQL URL for several relay nodes sharing one database (default: SQLite in --data)',
  busUrl:
    'delivery-hint bus between nodes: redis://… or postgres://… (default: LISTEN/NOTIFY on the database)',
};
