import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { hasLiveLink, renderSelfReport, runSelfAudit } from '../src/index.js';
import type { Channel } from '../src/index.js';
import { startPositiveControls } from '../src/controls/index.js';

void describe('audit self against Sotto (real relay, two throwaway accounts)', () => {
  void it('Sotto: 0 hits, 0 needles found in the throwaway relay store, the egress guard saw only the relay', async () => {
    const { report, relayScanned } = await runSelfAudit({ count: 4, waitMs: 400 });
    assert.equal(report.verdict, 'pass');
    assert.equal(report.tokens_sent, 4);
    assert.equal(report.hits.length, 0);
    assert.equal(relayScanned, true);
    assert.equal(report.server_view.scanned, true);
    // Every token, its URL and every plaintext: 3 needles per message.
    assert.equal(report.server_view.needles, 12);
    assert.equal(report.server_view.found, 0);
    assert.equal(report.egress.guarded, true);
    assert.ok(report.egress.allowed_connections > 0, 'the guard saw the client talk to its relay');
    assert.deepEqual(report.egress.violations, []);
    assert.match(report.reasons.join(), /no positive control ran/);
  });

  void it('with the positive controls: both caught (HEAD + needles at rest; GET at the endpoint), Sotto 0', async () => {
    const { report } = await runSelfAudit({ count: 4, waitMs: 400, controls: startPositiveControls });
    assert.equal(report.verdict, 'pass', report.reasons.join('; '));
    assert.equal(report.hits.length, 0);
    assert.equal(report.server_view.found, 0);
    const skype = report.controls.find((c) => c.name === 'skype-like');
    const scanning = report.controls.find((c) => c.name === 'scanning-client');
    assert.ok(skype && scanning);
    assert.equal(skype.tokens_sent, 4);
    const skypeTokens = new Set(skype.hits.map((h) => h.token));
    assert.equal(skypeTokens.size, 4, 'every Skype-like token was probed');
    assert.ok(skype.hits.every((h) => h.method === 'HEAD' && h.source === '127.0.0.1' && h.time !== ''));
    assert.ok((skype.server_view?.found ?? 0) >= 4, 'the Skype-like store holds the plaintext');
    assert.equal(new Set(scanning.hits.map((h) => h.token)).size, 4, 'every scanned token was fetched');
    assert.ok(scanning.hits.every((h) => h.method === 'GET' && h.kind === 'reputation-scanner'));
    assert.equal(scanning.expects_at_rest, false);
    assert.equal(scanning.server_view?.found, 0, "the leak is at the endpoint, not in Sotto's relay");
    const text = renderSelfReport(report);
    assert.match(text, /verdict: PASS/);
    assert.match(text, /Control "skype-like" \[test fixture\]: CAUGHT/);
    assert.match(text, /Control "scanning-client" \[test fixture\]: CAUGHT/);
    assert.ok(text.split('\n').length <= 24, 'one screen');
    assert.equal(hasLiveLink(text), false);
  });

  void it('the egress guard blocks and records a subject connecting anywhere but its relay', async (t) => {
    let reached = 0;
    const other = createServer((_q, s) => {
      reached++;
      s.end();
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => other.close(() => r())));
    const elsewhere = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
    const phoneHome: Channel = {
      name: 'phone-home',
      role: 'subject',
      send: () => Promise.resolve(),
      async deliverAndRead() {
        await fetch(elsewhere).catch(() => undefined);
      },
    };
    const { report } = await runSelfAudit({
      count: 1,
      waitMs: 100,
      subject: () => Promise.resolve(phoneHome),
    });
    assert.equal(reached, 0, 'the connection never left');
    assert.equal(report.egress.violations.length, 1);
    assert.equal(report.egress.violations[0]?.port, (other.address() as AddressInfo).port);
    assert.equal(report.verdict, 'fail');
    assert.match(report.reasons.join(), /connection\(s\) to something other than its relay/);
    // Outside the guarded subject, connections are not judged (and the guard is uninstalled).
    await fetch(elsewhere).then((r) => r.arrayBuffer());
    assert.equal(reached, 1);
  });
});
