// KeyStore on SQLite. A claim is one IMMEDIATE transaction with one `DELETE … RETURNING` per one-time
// key kind: SQLite has a single writer, so the row a claim deletes is gone for every other claim, in
// this process or another (the PostgreSQL adapter needs `FOR UPDATE SKIP LOCKED` instead; SCALE.md).
import type { ClaimedBundle, KeyCounts, KeyStore } from '../ports.js';
import { EC_KEY_BYTES, KYBER_KEY_BYTES, checkAccountId, checkDeviceId, checkInt } from '../guards.js';
import { checkUpload, signedRow } from '../key-upload-checks.js';
import { asRow, bytes, int } from '../row-checks.js';
import type { SqliteHandle } from './sqlite-handle.js';

/** Thrown inside the upload transaction to roll it back. */
class LimitExceeded extends Error {}

export function sqliteKeyStore(h: SqliteHandle): KeyStore {
  const count = (table: string, dev: number): number =>
    int(asRow(h.stmt(`SELECT count(*) AS n FROM ${table} WHERE dev = ?`).get(dev)), 'n');

  return {
    putKeys(accountId, deviceId, upload, limits) {
      return h.call(() => {
        checkAccountId(accountId);
        checkDeviceId(deviceId);
        checkUpload(upload);
        checkInt(limits.maxOneTimeKeys, 'maxOneTimeKeys');
        try {
          return h.tx(() => {
            const dev = h.dev(accountId, deviceId);
            if (dev === undefined) return 'DeviceNotFound' as const;
            const s = upload.signedPreKey;
            if (s) {
              h.stmt(
                'INSERT OR REPLACE INTO signed_prekey (dev, key_id, public_key, signature) VALUES (?, ?, ?, ?)',
              ).run(dev, s.keyId, s.publicKey, s.signature);
            }
            const lr = upload.kyberLastResort;
            if (lr) {
              h.stmt(
                'INSERT OR REPLACE INTO kyber_last_resort (dev, key_id, public_key, signature) VALUES (?, ?, ?, ?)',
              ).run(dev, lr.keyId, lr.publicKey, lr.signature);
            }
            // Same id = replace: a client retrying an upload whose answer it lost is absorbed.
            if (upload.preKeys?.length) {
              const ins = h.stmt(
                'INSERT INTO one_time_prekey (dev, key_id, public_key) VALUES (?, ?, ?) ' +
                  'ON CONFLICT (dev, key_id) DO UPDATE SET public_key = excluded.public_key',
              );
              for (const k of upload.preKeys) ins.run(dev, k.keyId, k.publicKey);
              if (count('one_time_prekey', dev) > limits.maxOneTimeKeys) throw new LimitExceeded();
            }
            if (upload.kyberPreKeys?.length) {
              const ins = h.stmt(
                'INSERT INTO one_time_kyber_prekey (dev, key_id, public_key, signature) VALUES (?, ?, ?, ?) ' +
                  'ON CONFLICT (dev, key_id) DO UPDATE SET public_key = excluded.public_key, signature = excluded.signature',
              );
              for (const k of upload.kyberPreKeys) ins.run(dev, k.keyId, k.publicKey, k.signature);
              if (count('one_time_kyber_prekey', dev) > limits.maxOneTimeKeys) throw new LimitExceeded();
            }
            return 'ok' as const;
          });
        } catch (err) {
          if (err instanceof LimitExceeded) return 'KeyLimitExceeded' as const;
          throw err;
        }
      });
    },

    keyCounts(accountId, deviceId) {
      return h.call((): KeyCounts => {
        checkAccountId(accountId);
        checkDeviceId(deviceId);
        const dev = h.dev(accountId, deviceId);
        if (dev === undefined)
          return { preKeys: 0, kyberPreKeys: 0, signedPreKeyId: null, kyberLastResortId: null };
        const id = (table: string): number | null => {
          const v: unknown = h.stmt(`SELECT key_id FROM ${table} WHERE dev = ?`).get(dev);
          return v === undefined ? null : int(asRow(v), 'key_id');
        };
        return {
          preKeys: count('one_time_prekey', dev),
          kyberPreKeys: count('one_time_kyber_prekey', dev),
          signedPreKeyId: id('signed_prekey'),
          kyberLastResortId: id('kyber_last_resort'),
        };
      });
    },

    claimBundle(accountId, deviceId) {
      return h.call(() => {
        checkAccountId(accountId);
        checkDeviceId(deviceId);
        return h.tx((): ClaimedBundle | null => {
          const d: unknown = h
            .stmt('SELECT dev, registration_id FROM device WHERE account_id = ? AND device_id = ?')
            .get(accountId, deviceId);
          if (d === undefined) return null;
          const dev = int(asRow(d), 'dev');
          const registrationId = int(asRow(d), 'registration_id');
          const signed: unknown = h
            .stmt('SELECT key_id, public_key, signature FROM signed_prekey WHERE dev = ?')
            .get(dev);
          if (signed === undefined) return null;
          // Kyber first: if the device has no Kyber key at all we return null having consumed nothing.
          const kyberOneTime: unknown = h
            .stmt(
              'DELETE FROM one_time_kyber_prekey WHERE dev = @dev AND key_id = ' +
                '(SELECT key_id FROM one_time_kyber_prekey WHERE dev = @dev ORDER BY key_id LIMIT 1) ' +
                'RETURNING key_id, public_key, signature',
            )
            .get({ dev });
          let kyberPreKey: ClaimedBundle['kyberPreKey'];
          if (kyberOneTime !== undefined) {
            kyberPreKey = { ...signedRow(kyberOneTime, KYBER_KEY_BYTES), lastResort: false };
          } else {
            const lr: unknown = h
              .stmt('SELECT key_id, public_key, signature FROM kyber_last_resort WHERE dev = ?')
              .get(dev);
            if (lr === undefined) return null;
            kyberPreKey = { ...signedRow(lr, KYBER_KEY_BYTES), lastResort: true };
          }
          const ec: unknown = h
            .stmt(
              'DELETE FROM one_time_prekey WHERE dev = @dev AND key_id = ' +
                '(SELECT key_id FROM one_time_prekey WHERE dev = @dev ORDER BY key_id LIMIT 1) ' +
                'RETURNING key_id, public_key',
            )
            .get({ dev });
          const preKey =
            ec === undefined
              ? null
              : { keyId: int(asRow(ec), 'key_id'), publicKey: bytes(asRow(ec), 'public_key', EC_KEY_BYTES) };
          return { registrationId, signedPreKey: signedRow(signed, EC_KEY_BYTES), preKey, kyberPreKey };
        });
      });
    },
  };
}
