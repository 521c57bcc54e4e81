// KeyStore on PostgreSQL. A claim deletes the lowest free one-time key of each kind with
// `DELETE … WHERE key_id = (SELECT … ORDER BY key_id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING …`:
// SKIP LOCKED makes concurrent claims (from any node) pass over rows another claim holds instead of
// re-checking them after its commit and finding "none left" (SCALE.md: 1,402 of 2,600 without it).
import type { ClaimedBundle, KeyCounts, KeyStore } from '../ports.js';
import { EC_KEY_BYTES, KYBER_KEY_BYTES, checkAccountId, checkDeviceId, checkInt } from '../guards.js';
import { checkUpload, signedRow } from '../key-upload-checks.js';
import { asRow, bytes, int } from '../row-checks.js';
import { Rollback, buf } from './pg-handle.js';
import type { PgHandle, Queryable } from './pg-handle.js';

async function devOf(c: Queryable, accountId: string, deviceId: number): Promise<number | undefined> {
  const { rows } = await c.query('SELECT dev FROM device WHERE account_id = $1 AND device_id = $2', [
    accountId,
    deviceId,
  ]);
  return rows[0] === undefined ? undefined : int(asRow(rows[0]), 'dev');
}

async function count(c: Queryable, table: string, dev: number): Promise<number> {
  const { rows } = await c.query(`SELECT count(*)::integer AS n FROM ${table} WHERE dev = $1`, [dev]);
  return int(asRow(rows[0]), 'n');
}

export function pgKeyStore(h: PgHandle): KeyStore {
  return {
    async putKeys(accountId, deviceId, upload, limits) {
      checkAccountId(accountId);
      checkDeviceId(deviceId);
      checkUpload(upload);
      checkInt(limits.maxOneTimeKeys, 'maxOneTimeKeys');
      return h.tx(async (c) => {
        const dev = await devOf(c, accountId, deviceId);
        if (dev === undefined) return 'DeviceNotFound' as const;
        const s = upload.signedPreKey;
        if (s) {
          await c.query(
            'INSERT INTO signed_prekey (dev, key_id, public_key, signature) VALUES ($1, $2, $3, $4) ' +
              'ON CONFLICT (dev) DO UPDATE SET key_id = excluded.key_id, public_key = excluded.public_key, ' +
              'signature = excluded.signature',
            [dev, s.keyId, buf(s.publicKey), buf(s.signature)],
          );
        }
        const lr = upload.kyberLastResort;
        if (lr) {
          await c.query(
            'INSERT INTO kyber_last_resort (dev, key_id, public_key, signature) VALUES ($1, $2, $3, $4) ' +
              'ON CONFLICT (dev) DO UPDATE SET key_id = excluded.key_id, public_key = excluded.public_key, ' +
              'signature = excluded.signature',
            [dev, lr.keyId, buf(lr.publicKey), buf(lr.signature)],
          );
        }
        // Same id = replace: a client retrying an upload whose answer it lost is absorbed. A later
        // entry with the same id inside one upload wins, as with the SQLite adapter's row-by-row upsert.
        const pre = dedupeById(upload.preKeys ?? []);
        if (pre.length > 0) {
          await c.query(
            'INSERT INTO one_time_prekey (dev, key_id, public_key) ' +
              'SELECT $1, k, p FROM unnest($2::integer[], $3::bytea[]) AS u(k, p) ' +
              'ON CONFLICT (dev, key_id) DO UPDATE SET public_key = excluded.public_key',
            [dev, pre.map((k) => k.keyId), pre.map((k) => buf(k.publicKey))],
          );
          if ((await count(c, 'one_time_prekey', dev)) > limits.maxOneTimeKeys) {
            throw new Rollback('KeyLimitExceeded' as const);
          }
        }
        const kyber = dedupeById(upload.kyberPreKeys ?? []);
        if (kyber.length > 0) {
          await c.query(
            'INSERT INTO one_time_kyber_prekey (dev, key_id, public_key, signature) ' +
              'SELECT $1, k, p, s FROM unnest($2::integer[], $3::bytea[], $4::bytea[]) AS u(k, p, s) ' +
              'ON CONFLICT (dev, key_id) DO UPDATE SET public_key = excluded.public_key, signature = excluded.signature',
            [
              dev,
              kyber.map((k) => k.keyId),
              kyber.map((k) => buf(k.publicKey)),
              kyber.map((k) => buf(k.signature)),
            ],
          );
          if ((await count(c, 'one_time_kyber_prekey', dev)) > limits.maxOneTimeKeys) {
            throw new Rollback('KeyLimitExceeded' as const);
          }
        }
        return 'ok' as const;
      });
    },

    async keyCounts(accountId, deviceId) {
      checkAccountId(accountId);
      checkDeviceId(deviceId);
      const rows = await h.query(
        'SELECT (SELECT count(*)::integer FROM one_time_prekey k WHERE k.dev = d.dev) AS pre, ' +
          '(SELECT count(*)::integer FROM one_time_kyber_prekey k WHERE k.dev = d.dev) AS kyber, ' +
          '(SELECT key_id FROM signed_prekey k WHERE k.dev = d.dev) AS signed, ' +
          '(SELECT key_id FROM kyber_last_resort k WHERE k.dev = d.dev) AS last_resort ' +
          'FROM device d WHERE d.account_id = $1 AND d.device_id = $2',
        [accountId, deviceId],
      );
      if (rows[0] === undefined) {
        return { preKeys: 0, kyberPreKeys: 0, signedPreKeyId: null, kyberLastResortId: null };
      }
      const r = asRow(rows[0]);
      const counts: KeyCounts = {
        preKeys: int(r, 'pre'),
        kyberPreKeys: int(r, 'kyber'),
        signedPreKeyId: r.signed === null ? null : int(r, 'signed'),
        kyberLastResortId: r.last_resort === null ? null : int(r, 'last_resort'),
      };
      return counts;
    },

    async claimBundle(accountId, deviceId) {
      checkAccountId(accountId);
      checkDeviceId(deviceId);
      return h.tx(async (c): Promise<ClaimedBundle | null> => {
        const d = await c.query(
          'SELECT dev, registration_id FROM device WHERE account_id = $1 AND device_id = $2',
          [accountId, deviceId],
        );
        if (d.rows[0] === undefined) return null;
        const dev = int(asRow(d.rows[0]), 'dev');
        const registrationId = int(asRow(d.rows[0]), 'registration_id');
        const signed = await c.query(
          'SELECT key_id, public_key, signature FROM signed_prekey WHERE dev = $1',
          [dev],
        );
        if (signed.rows[0] === undefined) return null;
        // Kyber first: a device with no Kyber key at all yields null having consumed nothing.
        const kyberOneTime = await c.query(
          'DELETE FROM one_time_kyber_prekey WHERE dev = $1 AND key_id = ' +
            '(SELECT key_id FROM one_time_kyber_prekey WHERE dev = $1 ORDER BY key_id LIMIT 1 FOR UPDATE SKIP LOCKED) ' +
            'RETURNING key_id, public_key, signature',
          [dev],
        );
        let kyberPreKey: ClaimedBundle['kyberPreKey'];
        if (kyberOneTime.rows[0] !== undefined) {
          kyberPreKey = { ...signedRow(kyberOneTime.rows[0], KYBER_KEY_BYTES), lastResort: false };
        } else {
          const lr = await c.query(
            'SELECT key_id, public_key, signature FROM kyber_last_resort WHERE dev = $1',
            [dev],
          );
          if (lr.rows[0] === undefined) throw new Rollback(null);
          kyberPreKey = { ...signedRow(lr.rows[0], KYBER_KEY_BYTES), lastResort: true };
        }
        const ec = await c.query(
          'DELETE FROM one_time_prekey WHERE dev = $1 AND key_id = ' +
            '(SELECT key_id FROM one_time_prekey WHERE dev = $1 ORDER BY key_id LIMIT 1 FOR UPDATE SKIP LOCKED) ' +
            'RETURNING key_id, public_key',
          [dev],
        );
        const ecRow = ec.rows[0] === undefined ? undefined : asRow(ec.rows[0]);
        const preKey = ecRow
          ? { keyId: int(ecRow, 'key_id'), publicKey: bytes(ecRow, 'public_key', EC_KEY_BYTES) }
          : null;
        return { registrationId, signedPreKey: signedRow(signed.rows[0], EC_KEY_BYTES), preKey, kyberPreKey };
      });
    },
  };
}

/** Last entry per key id wins (ON CONFLICT cannot touch one row twice in one statement). */
function dedupeById<T extends { keyId: number }>(keys: readonly T[]): T[] {
  return [...new Map(keys.map((k) => [k.keyId, k])).values()];
}
