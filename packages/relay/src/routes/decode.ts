// Path parameters and already-validated base64 fields -> typed values.
import { MAX_DEVICE_ID, fromBase64, isUuid } from '@sotto/wire';
import { RelayHttpError } from '../http/relay-http-error.js';

export function accountIdParam(v: string | undefined): string {
  if (v === undefined || !isUuid(v)) throw new RelayHttpError('BadRequest', 'malformed account id');
  return v;
}

export function deviceIdParam(v: string | undefined): number {
  if (v === undefined || !/^[1-9][0-9]{0,2}$/.test(v) || Number(v) > MAX_DEVICE_ID)
    throw new RelayHttpError('BadRequest', 'malformed device id');
  return Number(v);
}

/** Decodes base64 that a schema already validated (so failure here is a bug, reported as Internal). */
export function bytes(s: string): Uint8Array {
  const b = fromBase64(s);
  if (!b) throw new RelayHttpError('Internal', 'validated base64 failed to decode');
  return b;
}
