/**
 * The shareable `sotto:` address, through C1's canonical codec (../address.ts: account id, relay
 * URL and the FULL identity key), with its errors mapped to the messenger's `InvalidAddress`.
 */
import { AddressError } from '../address-errors.js';
import { formatAddress as format, parseAddress as parse, type SottoAddress } from '../address.js';
import { MessengerError } from './errors.js';

export type ParsedAddress = SottoAddress;

export function formatAddress(a: ParsedAddress): string {
  return format(a);
}

/** Strict parse; any malformed input is `MessengerError('InvalidAddress')`. */
export function parseAddress(text: string): ParsedAddress {
  try {
    return parse(text);
  } catch (e) {
    if (AddressError.is(e)) throw new MessengerError('InvalidAddress', e.message, { cause: e });
    throw e;
  }
}
