// Exactly-once prekey claims across OS processes: several children claim from one SQLite file at the
// same time (real concurrency on the file's write lock, unlike handles sharing one JS thread).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { openSqliteStore } from '../src/store/index.js';

const CHILD = fileURLToPath(new URL('./store/claim-child.ts', import.meta.url));

interface ChildResult {
  ec: number[];
  kyber: number[];
  lastResort: number;
}

function startChild(dir: string, accountId: string, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, accountId, '1', String(count)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`child failed (${code})`));
      resolve(JSON.parse(out.slice('ready\n'.length)) as ChildResult);
    });
  });
  return { ready, done, go: () => child.stdin.write('go\n') };
}

void describe('SQLite prekey claims across processes', () => {
  void it('hands out each one-time key exactly once when three processes claim at the same time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-claims-'));
    try {
      const EC = 120;
      const KYBER = 90;
      const PER_CHILD = 60;
      const s = await openSqliteStore(dir);
      const accountId = randomUUID();
      await s.accounts.createAccount(
        accountId,
        new Uint8Array(33).fill(5),
        { registrationId: 1, secretHash: 'h' },
        1,
      );
      const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
      await s.keys.putKeys(
        accountId,
        1,
        {
          signedPreKey: { keyId: 1, publicKey: new Uint8Array(33).fill(5), signature: new Uint8Array(64) },
          kyberLastResort: {
            keyId: 999,
            publicKey: new Uint8Array(1569).fill(8),
            signature: new Uint8Array(64),
          },
          preKeys: ids(EC).map((keyId) => ({ keyId, publicKey: new Uint8Array(33).fill(keyId) })),
          kyberPreKeys: ids(KYBER).map((keyId) => ({
            keyId,
            publicKey: new Uint8Array(1569).fill(keyId),
            signature: new Uint8Array(64),
          })),
        },
        { maxOneTimeKeys: 1000 },
      );
      const children = [0, 1, 2].map(() => startChild(dir, accountId, PER_CHILD));
      await Promise.all(children.map((c) => c.ready));
      children.forEach((c) => c.go());
      // The parent claims too, from its own handle, while the children run.
      const mine: ChildResult = { ec: [], kyber: [], lastResort: 0 };
      for (let i = 0; i < 30; i++) {
        const b = await s.keys.claimBundle(accountId, 1);
        assert.ok(b);
        if (b.preKey) mine.ec.push(b.preKey.keyId);
        if (b.kyberPreKey.lastResort) mine.lastResort++;
        else mine.kyber.push(b.kyberPreKey.keyId);
        await new Promise((r) => setImmediate(r));
      }
      const results = [...(await Promise.all(children.map((c) => c.done))), mine];
      const ec = results.flatMap((r) => r.ec).sort((a, b) => a - b);
      const kyber = results.flatMap((r) => r.kyber).sort((a, b) => a - b);
      // 210 claims against 120 EC and 90 Kyber one-time keys: every key exactly once, none lost.
      assert.deepEqual(ec, ids(EC));
      assert.deepEqual(kyber, ids(KYBER));
      assert.equal(
        results.reduce((n, r) => n + r.lastResort, 0),
        3 * PER_CHILD + 30 - KYBER,
      );
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
