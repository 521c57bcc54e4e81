/**
 * Stored records are small JSON objects (bytes as lower-case hex) read back through strict
 * validators: a record from disk is untrusted input too (STYLE: validate at the boundary). Any
 * malformed record is a typed `StorageFailed`, never a crash deep inside the messenger.
 */
import { MessengerError } from './errors.js';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function encodeRecord(value: unknown): Uint8Array {
  return enc.encode(JSON.stringify(value));
}

function corrupt(what: string, why: string): never {
  throw new MessengerError('StorageFailed', `stored ${what} is corrupt: ${why}`);
}

/** A read-only view over one parsed JSON object with typed, throwing accessors. */
export class RecordReader {
  private constructor(
    private readonly what: string,
    private readonly obj: Record<string, unknown>,
  ) {}

  static parse(bytes: Uint8Array, what: string): RecordReader {
    let v: unknown;
    try {
      v = JSON.parse(dec.decode(bytes));
    } catch {
      corrupt(what, 'not JSON');
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) corrupt(what, 'not an object');
    return new RecordReader(what, v as Record<string, unknown>);
  }

  static of(obj: unknown, what: string): RecordReader {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) corrupt(what, 'not an object');
    return new RecordReader(what, obj as Record<string, unknown>);
  }

  str(key: string): string {
    const v = this.obj[key];
    if (typeof v !== 'string') corrupt(this.what, `"${key}" is not a string`);
    return v;
  }

  strOrNull(key: string): string | null {
    const v = this.obj[key];
    return v === null || v === undefined ? null : this.str(key);
  }

  int(key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.obj[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      corrupt(this.what, `"${key}" is not an integer in range`);
    }
    return v;
  }

  intOrNull(key: string): number | null {
    const v = this.obj[key];
    return v === null || v === undefined ? null : this.int(key);
  }

  bool(key: string): boolean {
    const v = this.obj[key];
    if (typeof v !== 'boolean') corrupt(this.what, `"${key}" is not a boolean`);
    return v;
  }

  bytes(key: string, length?: number): Uint8Array {
    const b = hexToBytes(this.str(key));
    if (!b || (length !== undefined && b.length !== length))
      corrupt(this.what, `"${key}" is not valid bytes`);
    return b;
  }

  bytesOrNull(key: string, length?: number): Uint8Array | null {
    const v = this.obj[key];
    return v === null || v === undefined ? null : this.bytes(key, length);
  }

  oneOf<T extends string>(key: string, options: readonly T[]): T {
    const v = this.str(key);
    if (!(options as readonly string[]).includes(v)) corrupt(this.what, `"${key}" has an unknown value`);
    return v as T;
  }

  array(key: string): RecordReader[] {
    const v = this.obj[key];
    if (!Array.isArray(v)) corrupt(this.what, `"${key}" is not an array`);
    return v.map((x) => RecordReader.of(x, this.what));
  }

  strArray(key: string): string[] {
    const v = this.obj[key];
    if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string'))
      corrupt(this.what, `"${key}" is not an array of strings`);
    return v;
  }

  objOrNull(key: string): RecordReader | null {
    const v = this.obj[key];
    return v === null || v === undefined ? null : RecordReader.of(v, this.what);
  }
}

export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

const HEX = /^(?:[0-9a-f]{2})*$/;

export function hexToBytes(s: string): Uint8Array | undefined {
  if (!HEX.test(s)) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
