// Device records as both adapters check them on the way in and read them back on the way out.
import type { DeviceRecord, NewDevice } from './ports.js';
import { MAX_REGISTRATION_ID, MAX_SECRET_HASH_CHARS, checkInt, checkString } from './guards.js';
import { asRow, int, text } from './row-checks.js';

export function checkNewDevice(d: NewDevice): void {
  checkInt(d.registrationId, 'registrationId', 1, MAX_REGISTRATION_ID);
  checkString(d.secretHash, 'secretHash', MAX_SECRET_HASH_CHARS);
}

/** A device row selected with columns account_id, device_id, registration_id, secret_hash, created_at. */
export function deviceRow(v: unknown): DeviceRecord {
  const r = asRow(v);
  return {
    accountId: text(r, 'account_id'),
    deviceId: int(r, 'device_id'),
    registrationId: int(r, 'registration_id'),
    secretHash: text(r, 'secret_hash'),
    createdAt: int(r, 'created_at'),
  };
}
