// The relay configuration: schema and type, loader, redaction (one import for the server and the CLI).
export {
  LOG_LEVELS,
  RELAY_CONFIG_KEYS,
  defaultRelayConfig,
  envNameFor,
  flagNameFor,
  relayConfigSchema,
  relayConfigShape,
} from './config-schema.js';
export type { LogLevel, RelayConfig, RelayConfigKey } from './config-schema.js';
export { ConfigError, loadRelayConfig, resolveRelayConfig } from './config-load.js';
export type {
  ConfigErrorCode,
  ConfigSource,
  LoadRelayConfigOptions,
  ResolvedRelayConfig,
} from './config-load.js';
export { REDACTED, redactConfig, redactUrl } from './config-redact.js';
