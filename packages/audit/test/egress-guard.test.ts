import * as assert from 'node:assert/strict';
import { createServer, get } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { buildSelfReport, EgressGuard, isAuditError } from '../src/index.js';
import type { ControlResult, Hit } from '../src/index.js';

async function server(t: {
  after: (f: () => Promise<void>) => void;
}): Promise<{ url: string; hits: () => number }> {
  let n = 0;
  const s: Server = createServer((_q, r) => {
    n++;
    r.end();
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`, hits: () => n };
}

function httpGet(url: string): Promise<Error | undefined> {
  return new Promise((resolve) => {
    get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(undefined));
    }).on('error', resolve);
  });
}

void describe('the egress guard', () => {
  void it('blocks http.request, fetch and net.connect from the guarded context to unlisted peers', async (t) => {
    const allowed = await server(t);
    const other = await server(t);
    const guard = new EgressGuard().allow(allowed.url).install();
    t.after(() => guard.uninstall());
    const port = Number(new URL(other.url).port);
    await guard.run(async () => {
      assert.equal(await httpGet(allowed.url), undefined);
      const err = await httpGet(other.url);
      assert.ok(isAuditError(err, 'EgressBlocked'));
      await assert.rejects(fetch(other.url));
      await new Promise<void>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.on('error', (e) => {
          assert.ok(isAuditError(e, 'EgressBlocked'));
          resolve();
        });
      });
    });
    assert.equal(other.hits(), 0, 'nothing reached the unlisted peer');
    assert.equal(allowed.hits(), 1);
    assert.equal(guard.violations.length, 3);
    assert.ok(guard.violations.every((v) => v.port === port && v.stack.length > 0));
    assert.ok(guard.summary().allowed_connections >= 1);
    // Outside the guarded context nothing is judged.
    assert.equal(await httpGet(other.url), undefined);
    assert.equal(guard.violations.length, 3);
  });

  void it('is one at a time, and uninstall restores the original connect', async (t) => {
    const other = await server(t);
    const g = new EgressGuard().install();
    assert.throws(
      () => new EgressGuard().install(),
      (e: unknown) => isAuditError(e, 'BadOption'),
    );
    g.uninstall();
    assert.equal(g.summary().guarded, false);
    assert.equal(await g.run(() => httpGet(other.url)), undefined);
    assert.equal(other.hits(), 1);
  });
});

void describe('verdicts for controls that leak at the endpoint', () => {
  const hit = { token: 't', method: 'GET' } as unknown as Hit;
  const sv = { needles: 4, found: 0 };
  const base = { tokensSent: 4, hits: [], decoyHits: [], serverView: sv };

  void it('a scanning-client control with hits and 0 needles at rest counts as caught', () => {
    const c: ControlResult = {
      name: 'scanning-client',
      tokens_sent: 4,
      hits: [hit],
      server_view: sv,
      expects_at_rest: false,
    };
    assert.equal(buildSelfReport({ ...base, controls: [c] }).verdict, 'pass');
  });

  void it('a server-side control with hits but 0 needles at rest is not caught (inconclusive)', () => {
    const c: ControlResult = { name: 'skype-like', tokens_sent: 4, hits: [hit], server_view: sv };
    assert.equal(buildSelfReport({ ...base, controls: [c] }).verdict, 'inconclusive');
    assert.equal(
      buildSelfReport({ ...base, controls: [{ ...c, expects_at_rest: true }] }).verdict,
      'inconclusive',
    );
  });

  void it('an endpoint control without hits is not caught either', () => {
    const c: ControlResult = {
      name: 'scanning-client',
      tokens_sent: 4,
      hits: [],
      server_view: sv,
      expects_at_rest: false,
    };
    assert.equal(buildSelfReport({ ...base, controls: [c] }).verdict, 'inconclusive');
  });

  void it('a blocked connection fails the run', () => {
    const r = buildSelfReport({
      ...base,
      controls: [],
      egress: {
        guarded: true,
        allowed_connections: 3,
        violations: [{ host: 'x', port: 1, time: '', stack: '' }],
      },
    });
    assert.equal(r.verdict, 'fail');
  });
});
