// AccountStore on SQLite: accounts with their first device created atomically, case-insensitive
// unique usernames (UNIQUE on the normalised form), devices with lowest-free ids.
import type { AccountRecord, AccountStore, NewDevice } from '../ports.js';
import {
  EC_KEY_BYTES,
  MAX_SECRET_HASH_CHARS,
  checkAccountId,
  checkBytes,
  checkDeviceId,
  checkInt,
  checkString,
} from '../guards.js';
import { StoreError } from '../store-error.js';
import { normalizeUsername } from '../username.js';
import { asRow, bytes, int, text, textOrNull } from '../row-checks.js';
import { checkNewDevice, deviceRow } from '../device-rows.js';
import type { SqliteHandle } from './sqlite-handle.js';
import { DeviceListCache } from './device-list-cache.js';

const DEVICE_COLS = 'account_id, device_id, registration_id, secret_hash, created_at';

function isConstraint(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

export function sqliteAccountStore(h: SqliteHandle): AccountStore {
  const deviceLists = new DeviceListCache(h);
  const insertDevice = (accountId: string, deviceId: number, d: NewDevice, now: number): void => {
    deviceLists.invalidate();
    const info = h
      .stmt(
        'INSERT INTO device (account_id, device_id, registration_id, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(accountId, deviceId, d.registrationId, d.secretHash, now);
    h.stmt('INSERT INTO device_queue (dev) VALUES (?)').run(info.lastInsertRowid);
  };

  return {
    createAccount(accountId, identityKey, firstDevice, now) {
      return h.call(() => {
        checkAccountId(accountId);
        checkBytes(identityKey, 'identityKey', EC_KEY_BYTES);
        checkNewDevice(firstDevice);
        checkInt(now, 'now');
        try {
          h.tx(() => {
            h.stmt('INSERT INTO account (account_id, identity_key, created_at) VALUES (?, ?, ?)').run(
              accountId,
              identityKey,
              now,
            );
            insertDevice(accountId, 1, firstDevice, now);
          });
        } catch (err) {
          if (isConstraint(err, 'SQLITE_CONSTRAINT_PRIMARYKEY')) throw new StoreError('AccountExists');
          throw err;
        }
      });
    },

    getAccount(accountId) {
      return h.call((): AccountRecord | null => {
        checkAccountId(accountId);
        const v: unknown = h
          .stmt('SELECT account_id, identity_key, username, created_at FROM account WHERE account_id = ?')
          .get(accountId);
        if (v === undefined) return null;
        const r = asRow(v);
        return {
          accountId: text(r, 'account_id'),
          identityKey: bytes(r, 'identity_key', EC_KEY_BYTES),
          username: textOrNull(r, 'username'),
          createdAt: int(r, 'created_at'),
        };
      });
    },

    setUsername(accountId, username) {
      return h.call(() => {
        checkAccountId(accountId);
        checkString(username, 'username', 256);
        const norm = normalizeUsername(username);
        return h.tx(() => {
          const holder = h.stmt('SELECT account_id FROM account WHERE username_norm = ?').get(norm) as
            { account_id: string } | undefined;
          if (holder && holder.account_id !== accountId) return 'UsernameTaken' as const;
          const info = h
            .stmt('UPDATE account SET username = ?, username_norm = ? WHERE account_id = ?')
            .run(username, norm, accountId);
          return info.changes === 1 ? ('ok' as const) : ('AccountNotFound' as const);
        });
      });
    },

    clearUsername(accountId) {
      return h.call(() => {
        checkAccountId(accountId);
        const info = h
          .stmt(
            'UPDATE account SET username = NULL, username_norm = NULL WHERE account_id = ? AND username_norm IS NOT NULL',
          )
          .run(accountId);
        return info.changes === 1;
      });
    },

    findAccountByUsername(username) {
      return h.call(() => {
        if (typeof username !== 'string' || username.length === 0 || username.length > 256) return null;
        const v: unknown = h
          .stmt('SELECT account_id FROM account WHERE username_norm = ?')
          .get(normalizeUsername(username));
        return v === undefined ? null : text(asRow(v), 'account_id');
      });
    },

    addDevice(accountId, device, maxDevices, now) {
      return h.call(() => {
        checkAccountId(accountId);
        checkNewDevice(device);
        checkInt(maxDevices, 'maxDevices', 1, 127);
        checkInt(now, 'now');
        return h.tx(() => {
          if (!h.stmt('SELECT 1 FROM account WHERE account_id = ?').get(accountId))
            return 'AccountNotFound' as const;
          const taken = new Set(
            h
              .stmt('SELECT device_id FROM device WHERE account_id = ?')
              .all(accountId)
              .map((v) => int(asRow(v), 'device_id')),
          );
          for (let id = 1; id <= maxDevices; id++) {
            if (!taken.has(id)) {
              insertDevice(accountId, id, device, now);
              return id;
            }
          }
          return 'TooManyDevices' as const;
        });
      });
    },

    getDevice(accountId, deviceId) {
      return h.call(() => {
        checkAccountId(accountId);
        checkDeviceId(deviceId);
        const v: unknown = h
          .stmt(`SELECT ${DEVICE_COLS} FROM device WHERE account_id = ? AND device_id = ?`)
          .get(accountId, deviceId);
        return v === undefined ? null : deviceRow(v);
      });
    },

    listDevices(accountId) {
      return h.call(() => {
        checkAccountId(accountId);
        let devices = deviceLists.get(accountId);
        if (devices === undefined) {
          devices = h
            .stmt(`SELECT ${DEVICE_COLS} FROM device WHERE account_id = ? ORDER BY device_id`)
            .all(accountId)
            .map((v) => Object.freeze(deviceRow(v)));
          deviceLists.set(accountId, devices);
        }
        return [...devices];
      });
    },

    setDeviceSecretHash(accountId, deviceId, secretHash) {
      return h.call(() => {
        checkAccountId(accountId);
        checkDeviceId(deviceId);
        checkString(secretHash, 'secretHash', MAX_SECRET_HASH_CHARS);
        deviceLists.invalidate();
        const info = h
          .stmt('UPDATE device SET secret_hash = ? WHERE account_id = ? AND device_id = ?')
          .run(secretHash, accountId, deviceId);
        return info.changes === 1;
      });
    },

    removeDevice(accountId, deviceId) {
      return h.call(() => {
        checkAccountId(accountId);
        checkDeviceId(deviceId);
        // ON DELETE CASCADE removes the device's keys, queue counter and queued envelopes with it.
        deviceLists.invalidate();
        const info = h
          .stmt('DELETE FROM device WHERE account_id = ? AND device_id = ?')
          .run(accountId, deviceId);
        return info.changes === 1;
      });
    },

    deleteAccount(accountId) {
      return h.call(() => {
        checkAccountId(accountId);
        deviceLists.invalidate();
        // ON DELETE CASCADE: account → device → keys, queue counter, queued envelopes.
        return h.tx(() => h.stmt('DELETE FROM account WHERE account_id = ?').run(accountId).changes === 1);
      });
    },
  };
}
