import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createScryptHasher, relayConfigSchema, silentLogger, startRelay } from '@sotto/relay';
import { renderSelfReport, runSelfAudit, SottoChannel } from '../src/index.js';
import type { Channel } from '../src/index.js';
import { tempDir } from './helpers.js';

const URL_RE = /https?:\/\/[^\s<>"']+/g;

void describe('audit self can fail, and runs through a relay it did not start', () => {
  void it('fails when the subject leaks: a Sotto client that fetches what it decrypts is caught', async () => {
    // Negative check: the same real E2E path, but this "Sotto" fetches every URL it decrypts.
    const leaky = async (input: { relayUrl: string | undefined; onRelay: (u: string) => void }) => {
      const pending: Promise<unknown>[] = [];
      const ch = await SottoChannel.open({
        onRelay: input.onRelay,
        onDecrypted: (text) => {
          for (const m of text.matchAll(URL_RE)) pending.push(fetch(m[0]).catch(() => undefined));
        },
      });
      const subject: Channel = {
        name: ch.name,
        role: ch.role,
        dataDir: ch.dataDir,
        send: (t) => ch.send(t),
        async deliverAndRead() {
          await ch.deliverAndRead();
          await Promise.all(pending);
        },
        close: () => ch.close(),
      };
      return subject;
    };
    const { report } = await runSelfAudit({ count: 2, waitMs: 300, subject: leaky });
    assert.equal(report.verdict, 'fail');
    assert.equal(new Set(report.hits.map((h) => h.token)).size, 2);
    assert.match(renderSelfReport(report), /verdict: FAIL/);
  });

  void it('with --server (a relay it did not start): runs through it, says the store was not scanned', async (t) => {
    const dir = tempDir(t);
    const relay = await startRelay(
      relayConfigSchema.parse({
        host: '127.0.0.1',
        port: 0,
        dataDir: join(dir, 'relay'),
        logLevel: 'silent',
      }),
      { log: silentLogger, secretHasher: createScryptHasher({ N: 1024, r: 8, p: 1 }) },
    );
    t.after(() => relay.close());
    const { report, relayScanned } = await runSelfAudit({
      serverUrl: relay.url,
      count: 2,
      waitMs: 200,
      dir: join(dir, 'audit'),
    });
    assert.equal(relayScanned, false);
    assert.equal(report.server_view.scanned, false);
    assert.equal(report.hits.length, 0);
    assert.equal(report.verdict, 'pass');
    assert.match(renderSelfReport(report), /relay store not scanned/);
  });
});
