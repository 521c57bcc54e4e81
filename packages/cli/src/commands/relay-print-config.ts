// `sotto relay --print-config`: the effective configuration with credentials redacted, and where
// each value came from, so an operator can see why the relay would run the way it does.
import { RELAY_CONFIG_KEYS, redactConfig } from '@sotto/relay/config';
import type { ResolvedRelayConfig } from '@sotto/relay/config';

export function formatConfig(resolved: ResolvedRelayConfig, json: boolean): string {
  const config = redactConfig(resolved.config);
  if (json) {
    return (
      JSON.stringify({ config, sources: resolved.sources, configFile: resolved.configFile ?? null }) + '\n'
    );
  }
  const lines = ['# sotto relay configuration (credentials redacted)'];
  if (resolved.configFile !== undefined) lines.push(`# config file: ${resolved.configFile}`);
  const width = Math.max(...RELAY_CONFIG_KEYS.map((k) => k.length));
  for (const key of RELAY_CONFIG_KEYS) {
    const value = key in config ? JSON.stringify(config[key]) : '(unset)';
    lines.push(`${key.padEnd(width)}  ${value}  # ${resolved.sources[key]}`);
  }
  return lines.join('\n') + '\n';
}
