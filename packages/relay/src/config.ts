// The relay configuration: schema and type, loader, redaction (one import for the server and the CLI).
export {
  LOG_LEVELS,
  RELAY_CONFIG_URL_KEYS,
  RELAY_CONFIG_KEYS,
  RELAY_FLAG_ALIASES,
  defaultRelayConfig,
  envNameFor,
  flagNameFor,
  relayConfigKinds,
  relayConfigSchema,
  relayConfigShape,
} from './config-schema.js';
export type { ConfigKind, LogLevel, RelayConfig, RelayConfigKey } from './config-schema.js';
export { ConfigError, loadRelayConfig, resolveRelayConfig } from './config-load.js';
export type {
  ConfigErrorCode,
  ConfigSource,
  LoadRelayConfigOptions,
  ResolvedRelayConfig,
} from './config-load.js';
export { relayConfigHelp } from './config-help.js';
export { REDACTED, redactConfig, redactUrl } from './config-redact.js';
