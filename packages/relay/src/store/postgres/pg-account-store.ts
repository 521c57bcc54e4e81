// AccountStore on PostgreSQL: the same semantics as the SQLite adapter (docs/relay-storage.md);
// concurrency that SQLite's single writer gave for free is made explicit here: addDevice locks the
// account row, and a username race lost at the UNIQUE index is reported as UsernameTaken.
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
import { buf, pgCode } from './pg-handle.js';
import type { PgHandle, Queryable } from './pg-handle.js';

const UNIQUE_VIOLATION = '23505';
const DEVICE_COLS = 'account_id::text AS account_id, device_id, registration_id, secret_hash, created_at';

async function insertDevice(
  c: Queryable,
  accountId: string,
  deviceId: number,
  d: NewDevice,
  now: number,
): Promise<void> {
  const { rows } = await c.query<{ dev: number }>(
    'INSERT INTO device (account_id, device_id, registration_id, secret_hash, created_at) ' +
      'VALUES ($1, $2, $3, $4, $5) RETURNING dev',
    [accountId, deviceId, d.registrationId, d.secretHash, now],
  );
  await c.query('INSERT INTO device_queue (dev) VALUES ($1)', [rows[0]?.dev]);
}

export function pgAccountStore(h: PgHandle): AccountStore {
  return {
    async createAccount(accountId, identityKey, firstDevice, now) {
      checkAccountId(accountId);
      checkBytes(identityKey, 'identityKey', EC_KEY_BYTES);
      checkNewDevice(firstDevice);
      checkInt(now, 'now');
      try {
        await h.tx(async (c) => {
          await c.query('INSERT INTO account (account_id, identity_key, created_at) VALUES ($1, $2, $3)', [
            accountId,
            buf(identityKey),
            now,
          ]);
          await insertDevice(c, accountId, 1, firstDevice, now);
        });
      } catch (err) {
        if (pgCode(err) === UNIQUE_VIOLATION) throw new StoreError('AccountExists');
        throw err;
      }
    },

    async getAccount(accountId) {
      checkAccountId(accountId);
      const rows = await h.query(
        'SELECT account_id::text AS account_id, identity_key, username, created_at FROM account WHERE account_id = $1',
        [accountId],
      );
      if (rows[0] === undefined) return null;
      const r = asRow(rows[0]);
      const rec: AccountRecord = {
        accountId: text(r, 'account_id'),
        identityKey: bytes(r, 'identity_key', EC_KEY_BYTES),
        username: textOrNull(r, 'username'),
        createdAt: int(r, 'created_at'),
      };
      return rec;
    },

    async setUsername(accountId, username) {
      checkAccountId(accountId);
      checkString(username, 'username', 256);
      const norm = normalizeUsername(username);
      try {
        return await h.tx(async (c) => {
          const holder = await c.query<{ account_id: string }>(
            'SELECT account_id::text AS account_id FROM account WHERE username_norm = $1',
            [norm],
          );
          const held = holder.rows[0]?.account_id;
          if (held !== undefined && held !== accountId) return 'UsernameTaken' as const;
          const upd = await c.query(
            'UPDATE account SET username = $1, username_norm = $2 WHERE account_id = $3',
            [username, norm, accountId],
          );
          return upd.rowCount === 1 ? ('ok' as const) : ('AccountNotFound' as const);
        });
      } catch (err) {
        // Two accounts racing for one free name: the UNIQUE index decides, the loser is told "taken".
        if (pgCode(err) === UNIQUE_VIOLATION) return 'UsernameTaken';
        throw err;
      }
    },

    async clearUsername(accountId) {
      checkAccountId(accountId);
      const rows = await h.query(
        'UPDATE account SET username = NULL, username_norm = NULL ' +
          'WHERE account_id = $1 AND username_norm IS NOT NULL RETURNING 1 AS x',
        [accountId],
      );
      return rows.length === 1;
    },

    async findAccountByUsername(username) {
      if (typeof username !== 'string' || username.length === 0 || username.length > 256) return null;
      const rows = await h.query(
        'SELECT account_id::text AS account_id FROM account WHERE username_norm = $1',
        [normalizeUsername(username)],
      );
      return rows[0] === undefined ? null : text(asRow(rows[0]), 'account_id');
    },

    async addDevice(accountId, device, maxDevices, now) {
      checkAccountId(accountId);
      checkNewDevice(device);
      checkInt(maxDevices, 'maxDevices', 1, 127);
      checkInt(now, 'now');
      return h.tx(async (c) => {
        // Lock the account row: two concurrent addDevice calls must not pick the same lowest free id.
        const acc = await c.query('SELECT 1 FROM account WHERE account_id = $1 FOR UPDATE', [accountId]);
        if (acc.rowCount === 0) return 'AccountNotFound' as const;
        const { rows } = await c.query<{ device_id: number }>(
          'SELECT device_id FROM device WHERE account_id = $1',
          [accountId],
        );
        const taken = new Set(rows.map((r) => int(asRow(r), 'device_id')));
        for (let id = 1; id <= maxDevices; id++) {
          if (!taken.has(id)) {
            await insertDevice(c, accountId, id, device, now);
            return id;
          }
        }
        return 'TooManyDevices' as const;
      });
    },

    async getDevice(accountId, deviceId) {
      checkAccountId(accountId);
      checkDeviceId(deviceId);
      const rows = await h.query(
        `SELECT ${DEVICE_COLS} FROM device WHERE account_id = $1 AND device_id = $2`,
        [accountId, deviceId],
      );
      return rows[0] === undefined ? null : deviceRow(rows[0]);
    },

    async listDevices(accountId) {
      checkAccountId(accountId);
      const rows = await h.query(
        `SELECT ${DEVICE_COLS} FROM device WHERE account_id = $1 ORDER BY device_id`,
        [accountId],
      );
      return rows.map(deviceRow);
    },

    async setDeviceSecretHash(accountId, deviceId, secretHash) {
      checkAccountId(accountId);
      checkDeviceId(deviceId);
      checkString(secretHash, 'secretHash', MAX_SECRET_HASH_CHARS);
      const rows = await h.query(
        'UPDATE device SET secret_hash = $1 WHERE account_id = $2 AND device_id = $3 RETURNING 1 AS x',
        [secretHash, accountId, deviceId],
      );
      return rows.length === 1;
    },

    async removeDevice(accountId, deviceId) {
      checkAccountId(accountId);
      checkDeviceId(deviceId);
      // ON DELETE CASCADE removes the device's keys, queue counter and queued envelopes with it.
      return h.tx(async (c) => {
        await lockQueuesOf(c, 'd.account_id = $1 AND d.device_id = $2', [accountId, deviceId]);
        const { rows } = await c.query(
          'DELETE FROM device WHERE account_id = $1 AND device_id = $2 RETURNING 1 AS x',
          [accountId, deviceId],
        );
        return rows.length === 1;
      });
    },

    async deleteAccount(accountId) {
      checkAccountId(accountId);
      // ON DELETE CASCADE: account → device → keys, queue counter, queued envelopes.
      return h.tx(async (c) => {
        await lockQueuesOf(c, 'd.account_id = $1', [accountId]);
        const { rows } = await c.query('DELETE FROM account WHERE account_id = $1 RETURNING 1 AS x', [
          accountId,
        ]);
        return rows.length === 1;
      });
    },
  };
}

/**
 * Locks the queue rows of the devices about to be deleted, in dev order, before the DELETE. An enqueue
 * locks those rows first and then (its mailbox INSERT's foreign-key check) the device row; a DELETE
 * that locked the device rows first and reached the queue rows through the cascade deadlocked with
 * it, and failed. Same order as enqueues, acks and the sweeper: queue rows, then the rest.
 */
async function lockQueuesOf(c: Queryable, where: string, params: unknown[]): Promise<void> {
  await c.query(
    `SELECT q.dev FROM device d JOIN device_queue q ON q.dev = d.dev WHERE ${where} ORDER BY q.dev FOR UPDATE OF q`,
    params,
  );
}
