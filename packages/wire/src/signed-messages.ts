// The exact bytes an identity key signs to register an account or add a device. Domain-separated so a
// signature made for one purpose (or for a prekey) can never be replayed as another.
import { concatBytes, uuidToBytes } from './bytes.js';
import { DEVICE_SECRET_BYTES, EC_PUBLIC_KEY_BYTES } from './limits.js';

const enc = new TextEncoder();
const REGISTER_LABEL = enc.encode('sotto-relay/register/v1\0');
const ADD_DEVICE_LABEL = enc.encode('sotto-relay/add-device/v1\0');

function u16(v: number): Uint8Array {
  return new Uint8Array([(v >> 8) & 0xff, v & 0xff]);
}

function need(b: Uint8Array, n: number, field: string): void {
  if (b.length !== n) throw new RangeError(`"${field}" expected ${n} bytes, got ${b.length}`);
}

/** label || identityKey(33) || registrationId(u16) || deviceSecret(32) */
export function registrationMessage(
  identityKey: Uint8Array,
  registrationId: number,
  deviceSecret: Uint8Array,
): Uint8Array {
  need(identityKey, EC_PUBLIC_KEY_BYTES, 'identityKey');
  need(deviceSecret, DEVICE_SECRET_BYTES, 'deviceSecret');
  return concatBytes(REGISTER_LABEL, identityKey, u16(registrationId), deviceSecret);
}

/** label || accountId(16) || registrationId(u16) || deviceSecret(32) */
export function addDeviceMessage(
  accountId: string,
  registrationId: number,
  deviceSecret: Uint8Array,
): Uint8Array {
  const id = uuidToBytes(accountId);
  if (!id) throw new RangeError('"accountId" expected a lower-case UUID');
  need(deviceSecret, DEVICE_SECRET_BYTES, 'deviceSecret');
  return concatBytes(ADD_DEVICE_LABEL, id, u16(registrationId), deviceSecret);
}
