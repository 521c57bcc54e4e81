import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { backoffDelay } from '../src/messenger/backoff.js';
import { formatAddress, parseAddress } from '../src/messenger/contact-address.js';
import { MessengerError } from '../src/messenger/errors.js';
import { KvTransaction, MemoryKv } from '../src/messenger/kv.js';
import { DEFAULT_PREKEY_POLICY, planIsEmpty, planMaintenance } from '../src/messenger/prekey-policy.js';
import type { AccountRecord } from '../src/messenger/account-record.js';
import { decodeAccount, encodeAccount } from '../src/messenger/account-record.js';
import { SerialLock } from '../src/messenger/serial-lock.js';
import { asMessengerError } from '../src/messenger/outbox.js';
import { HTTP_STATUS, RelayError } from '@sotto/wire';
import type { RelayErrorCode } from '@sotto/wire';

const enc = (s: string) => new TextEncoder().encode(s);

void describe('backoffDelay()', () => {
  void it('grows exponentially, is capped, and jitters within [50%, 100%] of the ceiling', () => {
    const policy = { baseMs: 100, maxMs: 10_000 };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (n, u) => {
          const ceiling = Math.min(10_000, 100 * 2 ** Math.min(n - 1, 30));
          const d = backoffDelay(n, u, policy);
          assert.ok(d >= Math.floor(ceiling / 2) && d <= ceiling, `${n} ${u} ${d}`);
        },
      ),
    );
    assert.ok(backoffDelay(5, 0.5, policy) > backoffDelay(1, 0.5, policy));
  });
});

void describe('KvTransaction', () => {
  void it('shows its own writes, hides them from the store until commit, then writes atomically', async () => {
    const kv = new MemoryKv();
    await kv.write([
      { key: 'a/1', value: enc('x') },
      { key: 'a/2', value: enc('y') },
    ]);
    const tx = new KvTransaction(kv);
    tx.put('a/3', enc('z'));
    tx.delete('a/1');
    assert.deepEqual(
      (await tx.list('a/')).map(([k]) => k),
      ['a/2', 'a/3'],
    );
    assert.deepEqual(
      (await kv.list('a/')).map(([k]) => k),
      ['a/1', 'a/2'],
    );
    await tx.commit();
    assert.deepEqual(
      (await kv.list('a/')).map(([k]) => k),
      ['a/2', 'a/3'],
    );
  });

  void it('leaves the store untouched when the write fails', async () => {
    const kv = new MemoryKv();
    const tx = new KvTransaction(kv);
    tx.put('k', enc('v'));
    kv.failNextWrite = new Error('disk full');
    await assert.rejects(tx.commit());
    assert.equal(await kv.get('k'), undefined);
  });
});

void describe('sotto: addresses', () => {
  const key = Uint8Array.of(5, ...new Uint8Array(32).fill(7));
  const a = {
    relayUrl: 'http://127.0.0.1:8787/',
    accountId: '0d3b5a4e-95a4-4c1e-8a39-5f7d3c1a2b4c',
    identityKey: key,
  };

  void it('parses what it formats', () => {
    assert.deepEqual(parseAddress(formatAddress(a)), a);
  });

  void it('rejects malformed addresses with InvalidAddress, never anything else', () => {
    const good = formatAddress(a);
    const bad = [
      '',
      'sotto:',
      good.replace('sotto:', 'http:'),
      good.replace('ik=', 'kk='),
      good + '&x=1',
      good.slice(0, -3),
      good.replace('relay=http', 'relay=javascript'),
      good + '&ik=AA',
    ];
    for (const b of bad)
      assert.throws(
        () => parseAddress(b),
        (e: unknown) => MessengerError.is(e, 'InvalidAddress'),
        b,
      );
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseAddress(s);
        } catch (e) {
          assert.ok(MessengerError.is(e, 'InvalidAddress'));
        }
      }),
    );
  });
});

function account(over: Partial<AccountRecord> = {}): AccountRecord {
  return {
    relayUrl: 'http://127.0.0.1:1',
    accountId: '0d3b5a4e-95a4-4c1e-8a39-5f7d3c1a2b4c',
    deviceId: 1,
    registrationId: 42,
    deviceSecret: new Uint8Array(32),
    identityPublic: Uint8Array.of(5, ...new Uint8Array(32)),
    identityPrivate: new Uint8Array(32),
    username: null,
    createdAt: 0,
    nextPreKeyId: 1,
    nextSignedPreKeyId: 2,
    nextKyberPreKeyId: 2,
    signedPreKeyId: 1,
    signedPreKeyAt: 0,
    lastResortKyberId: 1,
    lastResortAt: 0,
    retired: [],
    ...over,
  };
}

void describe('planMaintenance()', () => {
  const full = { preKeys: 100, kyberPreKeys: 10, signedPreKeyId: 1, kyberLastResortId: 1 };

  void it('does nothing when the relay is stocked and the keys are fresh', () => {
    assert.ok(planIsEmpty(planMaintenance(account(), full, 1000)));
  });

  void it('refills below the threshold up to the batch size', () => {
    const p = planMaintenance(account(), { ...full, preKeys: 3, kyberPreKeys: 1 }, 1000);
    assert.equal(p.newPreKeys, DEFAULT_PREKEY_POLICY.preKeyBatch - 3);
    assert.equal(p.newKyberPreKeys, DEFAULT_PREKEY_POLICY.kyberBatch - 1);
  });

  void it('rotates on schedule and purges retired keys after the grace period', () => {
    const week = DEFAULT_PREKEY_POLICY.rotateAfterMs;
    const a = account({ retired: [{ kind: 'signed', id: 7, retiredAt: 0 }] });
    const p = planMaintenance(a, full, week);
    assert.ok(p.rotateSigned && p.rotateLastResort);
    assert.equal(p.purge.length, 0);
    assert.deepEqual(planMaintenance(a, full, DEFAULT_PREKEY_POLICY.graceMs).purge, a.retired);
  });

  void it('re-uploads the current signed key when the relay lost it', () => {
    assert.ok(planMaintenance(account(), { ...full, signedPreKeyId: null }, 1).reuploadSigned);
  });
});

void describe('account record', () => {
  void it('round-trips and rejects a corrupt record with StorageFailed', () => {
    const a = account({ retired: [{ kind: 'kyber', id: 3, retiredAt: 9 }] });
    assert.deepEqual(decodeAccount(encodeAccount(a)), a);
    assert.throws(
      () => decodeAccount(enc('{"v":1}')),
      (e: unknown) => MessengerError.is(e, 'StorageFailed'),
    );
    assert.throws(
      () => decodeAccount(enc('nope')),
      (e: unknown) => MessengerError.is(e, 'StorageFailed'),
    );
  });
});

void describe('SerialLock', () => {
  void it('runs tasks one at a time, in order, even when one fails', async () => {
    const lock = new SerialLock();
    const log: string[] = [];
    const task = (name: string, fail = false) =>
      lock.run(async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, 5));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
      });
    await Promise.allSettled([task('a'), task('b', true), task('c')]);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});

void describe('dedupe retention', () => {
  void it('forgets envelope ids only after the retention period', async () => {
    const { LocalState } = await import('../src/messenger/local-state.js');
    const { pruneSeen, SEEN_RETENTION_MS } = await import('../src/messenger/prekey-maintenance.js');
    const kv = new MemoryKv();
    const s = new LocalState(kv);
    s.markSeen('aa', 1_000);
    s.markSeen('bb', 1_000 + SEEN_RETENTION_MS);
    await s.commit();
    let now = 1_000 + SEEN_RETENTION_MS;
    const ctx = {
      store: kv,
      lock: new SerialLock(),
      clock: { now: () => now, schedule: () => () => undefined },
    };
    assert.equal(await pruneSeen(ctx), 0);
    now += 1;
    assert.equal(await pruneSeen(ctx), 1);
    assert.equal(await new LocalState(kv).seen('aa'), false);
    assert.equal(await new LocalState(kv).seen('bb'), true);
  });
});

void describe('asMessengerError() on a submit the relay answered with ERROR', () => {
  // The wire client gives an ERROR frame's RelayError the code's HTTP status (relay-connection.ts).
  const fromFrame = (code: RelayErrorCode) =>
    asMessengerError(new RelayError(code, `submit failed: ${code}`, HTTP_STATUS[code])).code;

  void it('keeps the message queued when the relay cannot serve now (5xx, 429)', () => {
    for (const code of ['Unavailable', 'ShuttingDown', 'Internal', 'RateLimited', 'QueueFull'] as const)
      assert.equal(fromFrame(code), 'RelayUnreachable', code);
  });

  void it('fails the message when the relay refused the request itself (4xx)', () => {
    for (const code of ['MalformedFrame', 'FrameTooLarge', 'Unauthorized'] as const)
      assert.equal(fromFrame(code), 'RelayRejected', code);
  });
});
