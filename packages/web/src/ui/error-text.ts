// One clear sentence per error code (never a stack trace).
import { MessengerError, StorageError } from '@sotto/client';
import { TabLockError } from '../platform/tab-lock.js';

const TEXT: Record<string, string> = {
  WrongPassphrase: 'Wrong passphrase. Try again.',
  NoAccount: 'There is no account in this browser yet.',
  AccountExists: 'This browser already holds an account.',
  RelayUnreachable: 'The relay cannot be reached. Check the relay URL and your connection.',
  RelayRejected: 'The relay refused the request.',
  InvalidUsername: 'That username is not valid (3–32 letters, digits and _, starting with a letter).',
  UsernameTaken: 'That username is taken.',
  UsernameNotFound: 'No one has that username on this relay.',
  InvalidAddress: 'That is not a valid Sotto address for this relay.',
  IdentityMismatch: "The relay's key for this account does not match the address. Not added.",
  ContactExists: 'A contact with that name already exists.',
  UnknownContact: 'Unknown contact.',
  IdentityChanged: "This contact's safety number changed. Accept it before sending.",
  VerificationFailed: 'The scanned data does not match this safety number.',
  MessageTooLong: 'The message is too long.',
  InvalidArgument: 'That input is not valid.',
  StorageFailed: 'Local storage failed.',
  NotConnected: 'Not connected to the relay.',
  OpenInAnotherTab:
    'Sotto is already unlocked in another tab of this browser. Use that tab, or lock it there and try again.',
};

/** The sentence for a code (the same as errorText of an error with that code). */
export function codeText(code: string): string {
  return TEXT[code] ?? code;
}

export function errorText(e: unknown): string {
  // InvalidArgument covers many rules (a contact's name, adding your own address…): the client's
  // message says which one was broken, which "not valid" alone does not. It never holds secrets.
  if (MessengerError.is(e) && e.code === 'InvalidArgument' && e.message !== '')
    return `${e.message.charAt(0).toUpperCase()}${e.message.slice(1)}.`;
  if (MessengerError.is(e) || StorageError.is(e) || e instanceof TabLockError)
    return TEXT[e.code] ?? `${e.code}: ${e.message}`;
  return 'Something went wrong.';
}

export function errorCode(e: unknown): string | undefined {
  return MessengerError.is(e) || StorageError.is(e) || e instanceof TabLockError ? e.code : undefined;
}
