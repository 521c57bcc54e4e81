import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildSelfReport,
  buildTokenReport,
  collectHits,
  defang,
  hasLiveLink,
  makeToken,
  newRunId,
  renderSelfReport,
  renderTokenReport,
  tokenUrl,
} from '../src/index.js';
import type { ControlResult, Hit, RequestRecord, TokenRecord } from '../src/index.js';
import { KEY } from './helpers.js';

const runId = newRunId();
function tok(slot: number, channel: string, decoy = false): TokenRecord {
  const token = makeToken(KEY, runId, slot);
  return {
    token,
    run: runId,
    slot,
    url: tokenUrl('http://127.0.0.1:8080', token, slot % 2 ? 'path' : 'query'),
    form: slot % 2 ? 'path' : 'query',
    decoy,
    channel,
    issuedAt: '2026-01-01T00:00:00.000Z',
    sentAt: decoy ? undefined : '2026-01-01T00:00:01.000Z',
  };
}
function req(token: string, method: string, ua: string | null): RequestRecord {
  return {
    v: 1,
    kind: 'hit',
    malformed: false,
    time: '2026-01-01T00:00:03.000Z',
    method,
    target: `/index.html?test_never_clicked=${token}`,
    http_version: '1.1',
    tokens: [token],
    remote_address: '127.0.0.1',
    remote_port: 5555,
    forwarded_for: null,
    client_address: '127.0.0.1',
    user_agent: ua,
    raw_headers: [],
    body_bytes: 0,
    body_truncated: false,
    error: null,
  };
}

void describe('defang()', () => {
  void it('turns URLs into non-links', () => {
    assert.equal(defang('see http://127.0.0.1:8080/x?y=1'), 'see hxxp://127[.]0[.]0[.]1:8080/x?y=1');
    assert.equal(defang('HTTPS://c.example.org/a.b'), 'hxxPS://c[.]example[.]org/a.b');
    assert.equal(hasLiveLink(defang('a https://x.org b http://y')), false);
  });
});

void describe('reports', () => {
  const sotto = tok(0, 'sotto');
  const control = tok(1, 'skype-like');
  const decoy = tok(2, 'decoy', true);
  const requests = [
    req(control.token, 'HEAD', 'SkypeUriPreview Preview/0.5 (+http://www.skype.com)'),
    req(decoy.token, 'GET', null),
  ];

  void it('attributes hits to tokens, channels and labels with timing', () => {
    const hits = collectHits(requests, [sotto, control, decoy]);
    assert.equal(hits.length, 2);
    const [h] = hits as [Hit, Hit];
    assert.equal(h.channel, 'skype-like');
    assert.equal(h.method, 'HEAD');
    assert.match(h.label, /Skype/);
    assert.equal(h.delay_seconds, 2);
    assert.equal(hits[1]?.decoy, true);
  });

  void it('passes only when Sotto shows nothing and every control was caught', () => {
    const caught: ControlResult = {
      name: 'skype-like',
      tokens_sent: 1,
      hits: collectHits(requests, [control]),
      server_view: { needles: 3, found: 2 },
    };
    const missed: ControlResult = { ...caught, hits: [] };
    const sv = { needles: 4, found: 0 };
    assert.equal(
      buildSelfReport({ tokensSent: 4, hits: [], decoyHits: [], serverView: sv, controls: [caught] }).verdict,
      'pass',
    );
    assert.equal(
      buildSelfReport({ tokensSent: 4, hits: [], decoyHits: [], serverView: sv, controls: [caught, missed] })
        .verdict,
      'inconclusive',
    );
    assert.equal(
      buildSelfReport({
        tokensSent: 4,
        hits: [],
        decoyHits: [],
        serverView: sv,
        controls: [{ ...caught, server_view: { needles: 3, found: 0 } }],
      }).verdict,
      'inconclusive',
    );
    const sottoHit = collectHits([req(sotto.token, 'GET', null)], [sotto]);
    assert.equal(
      buildSelfReport({ tokensSent: 4, hits: sottoHit, decoyHits: [], serverView: sv, controls: [missed] })
        .verdict,
      'fail',
    );
    assert.equal(
      buildSelfReport({
        tokensSent: 4,
        hits: [],
        decoyHits: [],
        serverView: { needles: 4, found: 1 },
        controls: [caught],
      }).verdict,
      'fail',
    );
    const decoyHits = collectHits(requests, [decoy]);
    const r = buildSelfReport({ tokensSent: 4, hits: [], decoyHits, serverView: sv, controls: [caught] });
    assert.equal(r.verdict, 'fail');
    assert.match(r.reasons.join(' '), /decoy/);
  });

  void it('renders text without a single live link, tokens included', () => {
    const caught: ControlResult = {
      name: 'skype-like',
      tokens_sent: 1,
      hits: collectHits(requests, [control]),
      server_view: { needles: 3, found: 2 },
    };
    const r = buildSelfReport({
      tokensSent: 1,
      hits: collectHits([req(sotto.token, 'GET', 'see http://evil.example/ua')], [sotto]),
      decoyHits: collectHits(requests, [decoy]),
      serverView: { needles: 1, found: 0 },
      controls: [caught],
    });
    const text = renderSelfReport(r);
    assert.match(text, /FAIL/);
    assert.match(text, /skype-like.*CAUGHT/);
    assert.equal(hasLiveLink(text), false);
    assert.doesNotMatch(text, /http:\/\//i);
    const tr = buildTokenReport([sotto, control, decoy], requests);
    const ttext = renderTokenReport(tr);
    assert.equal(hasLiveLink(ttext), false);
    assert.equal(hasLiveLink(JSON.stringify(tr.tokens.map((t) => t.url))), false);
    assert.match(ttext, /decoy/);
    for (const t of [sotto, control, decoy])
      assert.ok(!ttext.includes(`http://127.0.0.1:8080`) && !ttext.includes(t.url));
  });
});
