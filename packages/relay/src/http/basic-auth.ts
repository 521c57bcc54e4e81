// `Authorization: Basic base64("<accountId>.<deviceId>:<base64 secret>")` -> parsed credentials, or
// undefined for anything malformed. Never logged.
import { DEVICE_SECRET_BYTES, MAX_DEVICE_ID, fromBase64, isUuid } from '@sotto/wire';

export interface DeviceCredentials {
  accountId: string;
  deviceId: number;
  secret: Uint8Array;
}

export function parseBasicAuth(header: string | undefined): DeviceCredentials | undefined {
  if (!header || header.length > 512) return undefined;
  const m = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(header);
  if (!m) return undefined;
  const raw = fromBase64(m[1]!);
  if (!raw) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const user = text.slice(0, colon);
  const dot = user.lastIndexOf('.');
  const accountId = user.slice(0, dot);
  const deviceText = user.slice(dot + 1);
  if (dot < 0 || !isUuid(accountId) || !/^[1-9][0-9]{0,2}$/.test(deviceText)) return undefined;
  const deviceId = Number(deviceText);
  if (deviceId > MAX_DEVICE_ID) return undefined;
  const secret = fromBase64(text.slice(colon + 1));
  if (!secret || secret.length !== DEVICE_SECRET_BYTES) return undefined;
  return { accountId, deviceId, secret };
}
