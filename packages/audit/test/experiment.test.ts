import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  Listener,
  TokenMint,
  hasLiveLink,
  newRunId,
  openAuditDir,
  renderSelfReport,
  runAudit,
  runChannel,
} from '../src/index.js';
import type { Channel } from '../src/index.js';
import { SkypeLikeServer, isLoopbackHost, skypeLikeChannel } from '../src/controls/index.js';
import { tempDir } from './helpers.js';
import type { TestCtx } from './helpers.js';

async function setup(t: TestCtx) {
  const root = tempDir(t);
  const audit = openAuditDir(join(root, 'audit'));
  const listener = await Listener.start({ dir: audit.dir, key: audit.key });
  const skype = await SkypeLikeServer.start({ dataDir: join(root, 'skype'), probeDelayMs: 10 });
  t.after(async () => {
    await skype.close();
    await listener.close();
    audit.registry.close();
  });
  const mint = new TokenMint(audit.key, newRunId(), audit.registry, listener.baseUrl);
  return { audit, listener, skype, mint };
}

/** A channel that delivers nothing anywhere: what Sotto should look like from the listener. */
function silentChannel(): Channel & { sent: string[] } {
  const sent: string[] = [];
  return {
    name: 'silent',
    role: 'subject',
    sent,
    send: (text) => {
      sent.push(text);
      return Promise.resolve();
    },
    deliverAndRead: () => Promise.resolve(),
  };
}

void describe('the experiment through the Skype-like control', () => {
  void it('gets at least one HEAD hit per token and finds every needle in the control storage', async (t) => {
    const { audit, listener, skype, mint } = await setup(t);
    const out = await runChannel(skypeLikeChannel(skype), {
      mint,
      registry: audit.registry,
      hits: listener,
      count: 4,
      waitMs: 10_000,
    });
    assert.equal(out.tokens.length, 4);
    for (const tok of out.tokens) {
      const mine = out.hits.filter((h) => h.token === tok.token);
      assert.ok(mine.length >= 1, `token ${tok.slot} was probed`);
      assert.ok(
        mine.every((h) => h.method === 'HEAD' && h.source === '127.0.0.1' && h.channel === 'skype-like'),
      );
      assert.match(mine[0]?.label ?? '', /Skype/);
      assert.equal(mine[0]?.timing, 'inline');
    }
    assert.equal(out.tokens.filter((x) => x.form === 'query').length, 2, 'both URL forms are used');
    assert.ok(out.server_view !== null && out.server_view.found >= out.tokens.length * 3);
    assert.ok(audit.registry.all().every((r) => r.sentAt !== undefined));
  });

  void it('audit self: a silent subject passes only alongside a caught control', async (t) => {
    const { audit, listener, skype, mint } = await setup(t);
    const subject = silentChannel();
    const progress: number[] = [];
    const { report } = await runAudit(subject, [skypeLikeChannel(skype)], {
      mint,
      registry: audit.registry,
      hits: listener,
      count: 2,
      decoys: 2,
      waitMs: 300,
      progress: (f) => progress.push(f),
    });
    assert.equal(report.verdict, 'pass');
    assert.equal(report.tokens_sent, 2);
    assert.equal(report.hits.length, 0);
    assert.equal(report.controls[0]?.name, 'skype-like');
    assert.ok((report.controls[0]?.hits.length ?? 0) >= 2);
    assert.equal(subject.sent.length, 2);
    assert.equal(audit.registry.all().filter((r) => r.decoy).length, 2);
    assert.equal(progress.at(-1), 1);
    const text = renderSelfReport(report);
    assert.match(text, /PASS/);
    assert.equal(hasLiveLink(text), false);
    assert.equal(hasLiveLink(JSON.stringify(report)), false);
  });

  void it('audit self: an uncaught control makes the run inconclusive, never a pass', async (t) => {
    const { audit, listener, mint } = await setup(t);
    const blind: Channel = { ...silentChannel(), name: 'blind-control', role: 'control' };
    const { report } = await runAudit(silentChannel(), [blind], {
      mint,
      registry: audit.registry,
      hits: listener,
      count: 1,
      waitMs: 100,
    });
    assert.equal(report.verdict, 'inconclusive');
    assert.match(renderSelfReport(report), /INCONCLUSIVE/);
  });

  void it('audit self: a subject that leaks to a fetcher fails, and a decoy hit is flagged', async (t) => {
    const { audit, listener, skype, mint } = await setup(t);
    const leaky: Channel = { ...skypeLikeChannel(skype), name: 'leaky-subject', role: 'subject' };
    const { report } = await runAudit(leaky, [skypeLikeChannel(skype)], {
      mint,
      registry: audit.registry,
      hits: listener,
      count: 1,
      waitMs: 500,
      decoys: 1,
    });
    assert.equal(report.verdict, 'fail');
    assert.ok(report.hits.length >= 1);
  });

  void it('audit self: a hit on a decoy (never sent) fails the run as a leak through our own tooling', async (t) => {
    const { audit, listener, skype, mint } = await setup(t);
    // Our "tooling" leaks: while the recipient reads, something fetches the run's decoy links.
    const leakyTooling: Channel = {
      ...silentChannel(),
      async deliverAndRead() {
        for (const d of audit.registry.all().filter((r) => r.decoy)) await fetch(d.url, { method: 'GET' });
      },
    };
    const { report } = await runAudit(leakyTooling, [skypeLikeChannel(skype)], {
      mint,
      registry: audit.registry,
      hits: listener,
      count: 1,
      waitMs: 300,
      decoys: 1,
    });
    assert.equal(report.hits.length, 0);
    assert.equal(report.decoy_hits.length, 1);
    assert.equal(report.verdict, 'fail');
    assert.match(renderSelfReport(report), /Decoys .*leak through our own tooling/);
  });

  void it('the control only ever probes loopback', async (t) => {
    const { skype } = await setup(t);
    for (const url of [
      'http://10.0.0.1/x',
      'http://example.org/x',
      'https://127.0.0.1/x',
      'http://127.0.0.1.nip.io/x',
    ]) {
      await skype.probe(url);
    }
    assert.equal(skype.refused.length, 4);
    assert.equal(skype.probed.length, 0);
    assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('[::1]') && !isLoopbackHost('128.0.0.1'));
  });
});
