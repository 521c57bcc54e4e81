// docs/relay.md's configuration table is what operators read: every key the schema has, with its
// flag, environment variable, default and range exactly as the loader applies them, and nothing else.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import {
  RELAY_CONFIG_KEYS,
  defaultRelayConfig,
  envNameFor,
  flagNameFor,
  relayConfigKinds,
  relayConfigShape,
} from '../src/config.js';
import type { RelayConfigKey } from '../src/config.js';

interface Row {
  key: string;
  flag: string;
  env: string;
  dflt: string;
  range: string;
}

function configTable(): Row[] {
  const text = readFileSync(new URL('../../../docs/relay.md', import.meta.url), 'utf8');
  const section = text.slice(text.indexOf('## Configuration'), text.indexOf('## Running it for real'));
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  const header = lines[0]!.split('|').map((c) => c.trim());
  assert.deepEqual(header.slice(1, 6), ['key', 'flag', 'environment', 'default', 'range']);
  return lines.slice(2).map((l) => {
    const c = l.split('|').map((x) => x.trim());
    return { key: c[1]!.replaceAll('`', ''), flag: c[2]!, env: c[3]!, dflt: c[4]!, range: c[5]! };
  });
}

/** The number schema under the key's default/optional wrapper. */
function numberSchema(key: RelayConfigKey): z.ZodNumber {
  return (relayConfigShape[key] as unknown as { unwrap(): z.ZodNumber }).unwrap();
}

void describe('docs/relay.md configuration table', () => {
  const defaults = defaultRelayConfig();
  const row = (key: RelayConfigKey): Row => {
    const found = configTable().find((r) => r.key === key);
    return found ?? assert.fail(`${key} is not in the table`);
  };

  void it('lists exactly the schema keys, each once', () => {
    assert.deepEqual(
      configTable().map((r) => r.key),
      RELAY_CONFIG_KEYS,
    );
  });

  void it('gives each key its real flag, environment variable and default', () => {
    for (const key of RELAY_CONFIG_KEYS) {
      const r = row(key);
      assert.ok(r.flag.startsWith(`\`--${flagNameFor(key)}\``), `${key}: ${r.flag}`);
      assert.equal(r.env, `\`${envNameFor(key)}\``, key);
      const dflt = defaults[key];
      if (dflt === undefined) assert.match(r.dflt, /^unset/, key);
      else assert.ok(r.dflt.startsWith(`\`${String(dflt)}\``), `${key}: ${r.dflt} vs ${String(dflt)}`);
    }
  });

  void it('gives each integer key the range the loader enforces', () => {
    for (const key of RELAY_CONFIG_KEYS.filter((k) => relayConfigKinds[k] === 'int')) {
      const { range } = row(key);
      const m = /^(\d+)–(\d+)/.exec(range);
      assert.ok(m, `${key}: no range in "${range}"`);
      const schema = numberSchema(key);
      assert.equal(Number(m[1]), schema.minValue, `${key} minimum`);
      assert.equal(Number(m[2]), schema.maxValue, `${key} maximum`);
    }
  });
});
