import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, timing } from '../src/index.js';

const TABLE: readonly [
  method: string,
  ua: string | null,
  label: RegExp,
  kind: string,
  senderSide: boolean,
][] = [
  ['HEAD', null, /HEAD-only probe/, 'head-probe', false],
  ['HEAD', 'Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5', /Skype/, 'link-preview', false],
  [
    'GET',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    /Facebook/,
    'link-preview',
    false,
  ],
  ['GET', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', /Slack/, 'link-preview', false],
  ['GET', 'WhatsApp/2.23.20.0 A', /WhatsApp.*sender/, 'link-preview', true],
  ['GET', 'TelegramBot (like TwitterBot)', /Telegram/, 'link-preview', false],
  [
    'GET',
    'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
    /Discord/,
    'link-preview',
    false,
  ],
  ['GET', 'Twitterbot/1.0', /Twitter/, 'link-preview', false],
  ['GET', 'Mozilla/5.0 MicrosoftPreview/2.0', /Microsoft/, 'link-preview', false],
  ['GET', 'Mozilla/5.0 (compatible; BingPreview/1.0b)', /Bing/, 'link-preview', false],
  ['GET', 'Google-Safety', /Safe Browsing/, 'reputation-scanner', false],
  ['GET', 'curl/8.5.0', /unknown fetcher/, 'unknown', false],
  ['GET', null, /no user agent/, 'unknown', false],
  ['head', 'Go-http-client/1.1', /HEAD-only/, 'head-probe', false],
];

void describe('classify()', () => {
  for (const [method, ua, label, kind, senderSide] of TABLE) {
    void it(`labels ${method} ${ua ?? '(no UA)'} as ${kind}`, () => {
      const c = classify(method, ua);
      assert.match(c.label, label);
      assert.equal(c.kind, kind);
      assert.equal(c.senderSide, senderSide);
    });
  }
});

void describe('timing()', () => {
  const sent = new Date('2026-01-01T00:00:00Z');
  const at = (s: number): Date => new Date(sent.getTime() + s * 1000);
  void it('tells inline previews from delayed and batch scanners', () => {
    assert.deepEqual(timing(sent, at(2)), { timing: 'inline', delaySeconds: 2 });
    assert.equal(timing(sent, at(600)).timing, 'delayed');
    assert.equal(timing(sent, at(5 * 3600)).timing, 'batch');
    assert.equal(timing(sent, at(-1)).timing, 'before-send');
    assert.deepEqual(timing(undefined, at(1)), { timing: 'unsent', delaySeconds: null });
  });
});
