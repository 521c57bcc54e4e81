// Shared plumbing for the messenger commands (init, whoami, username, contact, send, inbox,
// history, chat, verify): where the home lives, how the passphrase is obtained, opening the
// Messenger with the node:crypto provider, and turning MessengerErrors into one-line CLI errors
// with exit codes.
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import type { Command } from 'commander';
import {
  Messenger,
  MessengerError,
  StorageError,
  TEST_KDF_COST,
  type CreateOptions,
  type MessengerOptions,
} from '@sotto/client';
import { SqliteBackend } from '@sotto/client/node';
import { nodeCrypto } from '@sotto/protocol/node';
import type { WebSocketCtor } from '@sotto/wire';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { readPassphrase } from './passphrase.js';

export const STATE_FILE = 'sotto.db';

/** Adds `--home DIR` to a messenger command. */
export function withHome(cmd: Command): Command {
  return cmd.option('--home <dir>', 'state directory (env SOTTO_HOME, default $XDG_DATA_HOME/sotto)');
}

/** --home > SOTTO_HOME > $XDG_DATA_HOME/sotto > ~/.local/share/sotto. */
export function homeDir(ctx: CliContext, cmd: Command): string {
  const flag = cmd.optsWithGlobals<{ home?: string }>().home;
  if (flag !== undefined) return resolve(flag);
  const env = ctx.io.env;
  if (env['SOTTO_HOME']) return resolve(env['SOTTO_HOME']);
  const xdg = env['XDG_DATA_HOME'];
  return join(xdg ? resolve(xdg) : join(homedir(), '.local', 'share'), 'sotto');
}

/**
 * Environment knobs for tests only (documented in docs/cli.md as test-only):
 * SOTTO_KDF_COST=test lowers scrypt to N=2^4 (never use it for real state), and
 * SOTTO_TEST_EXIT_BEFORE_ACK=1 exits the process right after a received message is persisted and
 * before it is acknowledged (crash simulation).
 */
function messengerOptions(ctx: CliContext, home: string, passphrase: string): MessengerOptions {
  const env = ctx.io.env;
  const cost = env['SOTTO_KDF_COST'];
  if (cost !== undefined && cost !== 'test' && cost !== 'default') {
    throw new CliError('InvalidEnv', `invalid SOTTO_KDF_COST: expected "test" or "default"`, ExitCode.Usage);
  }
  let backend: SqliteBackend;
  try {
    backend = new SqliteBackend(join(home, STATE_FILE));
  } catch (e) {
    throw stateUnreadable(home, e);
  }
  const opts: MessengerOptions = {
    backend,
    passphrase,
    WebSocket: WebSocket as unknown as WebSocketCtor,
    crypto: nodeCrypto,
    ...(cost === 'test' ? { storeOptions: { kdfCost: TEST_KDF_COST } } : {}),
  };
  if (env['SOTTO_TEST_EXIT_BEFORE_ACK'] === '1') {
    opts.hooks = {
      afterCommitBeforeAck: () => {
        process.stderr.write('test hook: exiting after persisting, before the ack\n');
        process.exit(99);
      },
    };
  }
  return opts;
}

/** Creates the account in a new home (`sotto init`). */
export async function createMessenger(
  ctx: CliContext,
  home: string,
  how: Pick<CreateOptions, 'relayUrl'> | { deviceLink: Uint8Array },
  passphrase?: string,
): Promise<Messenger> {
  ensureHome(home);
  const secret = passphrase ?? (await readPassphrase(ctx, { confirm: true }));
  discardEmptyStateFile(home);
  const fresh = !existsSync(join(home, STATE_FILE));
  const opts = messengerOptions(ctx, home, secret);
  try {
    return 'deviceLink' in how
      ? await Messenger.link({ ...opts, deviceLink: how.deviceLink })
      : await Messenger.create({ ...opts, ...how });
  } catch (e) {
    await opts.backend?.close().catch(() => undefined);
    // The store is written before the relay is asked: a failed first init (relay down) must not
    // leave a file that makes every retry say "an account already exists".
    if (fresh) await removeIfNoAccount(ctx, home, secret).catch(() => undefined);
    throw toCliError(e, home, 'deviceLink' in how ? {} : { serverFlag: true });
  }
}

/** Creates the home directory (mode 0700) if it is missing. */
export function ensureHome(home: string): void {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new CliError(code, `cannot create home directory ${home}: ${code}`, ExitCode.Unavailable);
  }
}

/** Deletes the state file of a home whose init failed before an account was stored. */
async function removeIfNoAccount(ctx: CliContext, home: string, passphrase: string): Promise<void> {
  const opts = messengerOptions(ctx, home, passphrase);
  try {
    await (await Messenger.open(opts)).close();
  } catch (e) {
    await opts.backend?.close().catch(() => undefined);
    if (!MessengerError.is(e) || e.code !== 'NoAccount') return;
    removeStateFiles(home);
  }
}

/** Deletes the home's state file with SQLite's log and shared-memory files beside it. */
export function removeStateFiles(home: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(home, STATE_FILE + suffix), { force: true });
}

/** How long a one-shot command keeps retrying a relay whose first connection attempt failed. */
export const CONNECT_GRACE_MS = 5_000;

/**
 * How long a command waits for the relay to let it in at all. A relay that accepts the TCP
 * connection but never answers (hung, or a half-open network path) fails no attempt, so the
 * retry grace above never starts: without this bound `send`, `inbox` and `chat` would wait forever.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * `m.connect()`, but a relay that is down fails the command (RelayUnreachable, exit 3) instead of
 * retrying forever: the messenger reconnects with backoff and its first `ready` never settles.
 * Fails after `graceMs` of retrying, or `timeoutMs` after the start, whichever comes first.
 */
export function connectOrFail(
  m: Messenger,
  graceMs = CONNECT_GRACE_MS,
  timeoutMs = CONNECT_TIMEOUT_MS,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = () => {
      off();
      clearTimeout(timer);
      clearTimeout(deadline);
    };
    const unreachable = () => {
      settle();
      reject(new MessengerError('RelayUnreachable', 'the relay is unreachable'));
    };
    const deadline = setTimeout(unreachable, timeoutMs);
    const off = m.on('connection', ({ state }) => {
      if (state !== 'reconnecting' || timer !== undefined) return;
      timer = setTimeout(unreachable, graceMs);
    });
    m.connect()
      .finally(settle)
      .then(resolve, (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
  });
}

/** Watches a messenger's relay connection for the rest of a command; see connectionLoss(). */
export interface ConnectionWatch {
  /** Rejects with a CliError once the connection ended for good; never resolves. */
  lost: Promise<never>;
  /** Stops watching (before closing the messenger, which also ends the connection). */
  off: () => void;
}

/**
 * Fails a command whose relay connection ends for good while it still needs it. The relay keeps one
 * connection per device: another `sotto` command on the same home that connects takes it over
 * (ConnectionReplaced), and this one is never reconnected. Without this, `send` would wait for an
 * acceptance that never comes (Node then exits 13, silently) and `inbox --wait` / `chat` would
 * look alive while receiving nothing. Call before connecting.
 */
export function connectionLoss(m: Messenger): ConnectionWatch {
  let reason = '';
  let watching = true;
  const offs: (() => void)[] = [];
  const lost = new Promise<never>((_, reject) => {
    offs.push(
      m.on('error', (e) => {
        if (e.code === 'RelayRejected') reason = e.message;
      }),
      m.on('connection', ({ state }) => {
        if (state !== 'closed') return;
        // The messenger reports why right after the state change.
        setTimeout(() => {
          if (watching) reject(connectionLostError(reason));
        }, 0);
      }),
    );
  });
  lost.catch(() => undefined);
  return {
    lost,
    off: () => {
      watching = false;
      for (const off of offs) off();
    },
  };
}

function connectionLostError(reason: string): CliError {
  if (reason.includes('ConnectionReplaced')) {
    return new CliError(
      'ConnectionReplaced',
      'another sotto command on this home connected to the relay and took over the connection ' +
        '(one per device): run them one after another; nothing unsent is lost, it goes out with ' +
        'your next send, inbox or chat',
      ExitCode.Unavailable,
    );
  }
  if (reason.includes('Unauthorized')) return deviceUnknown();
  return new CliError('ConnectionClosed', 'the relay closed the connection', ExitCode.Unavailable);
}

/**
 * Unlocks the account in `home`; runs `fn`; always closes. `contact`: the contact the command is
 * about, named in error advice (e.g. which `sotto verify` to run).
 */
export async function withMessenger<T>(
  ctx: CliContext,
  cmd: Command,
  fn: (m: Messenger) => Promise<T>,
  contact?: string,
): Promise<T> {
  const home = homeDir(ctx, cmd);
  const m = await openMessenger(ctx, home);
  try {
    return await fn(m);
  } catch (e) {
    throw toCliError(e, home, contact === undefined ? {} : { contact });
  } finally {
    await m.close().catch(() => undefined);
  }
}

/** The first 16 bytes of every SQLite database file (sqlite.org/fileformat.html, 1.3). */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * What the home's state file is, found WITHOUT opening it with SQLite (which writes to the file:
 * it would turn an empty file into an empty database):
 * - 'none': there is no sotto.db (ENOENT), or it is EMPTY (0 bytes, no -wal content beside it).
 *   SqliteBackend switches a new file to WAL mode at once, which writes its first page, so Sotto
 *   never leaves a 0-byte file holding anything: it is what an init killed just after SQLite created
 *   the file leaves (or a `touch`). Nothing can be lost by replacing it, so every command treats it
 *   as "no account" (init creates the account in it, the others say "no account"), like
 *   createMessenger's clean-up of a failed init: a home without an account must not make init refuse.
 * - 'present': a SQLite file, which may hold an account (init refuses; the others open it).
 * Anything else (not readable by this user, not a SQLite file, an empty file beside a non-empty
 * -wal) is StateUnreadable, exit 3, for every command alike. (existsSync would say "no file" for a
 * home this user may not read.)
 */
export function stateFileStatus(home: string): 'none' | 'present' {
  const path = join(home, STATE_FILE);
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw stateUnreadable(home, e);
  }
  if (size === 0) {
    // Sotto writes the first page before any log frame: an empty file beside a log is damage.
    if (walHoldsData(path)) throw stateUnreadable(home, undefined);
    return 'none';
  }
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw stateUnreadable(home, e);
  }
  if (!head.equals(SQLITE_MAGIC)) throw stateUnreadable(home, undefined);
  return 'present';
}

/** Whether the SQLite write-ahead log beside `path` has content. */
function walHoldsData(path: string): boolean {
  try {
    return statSync(path + '-wal').size > 0;
  } catch {
    return false;
  }
}

/** Deletes an empty state file (stateFileStatus 'none') so SQLite creates it afresh, mode 0600. */
function discardEmptyStateFile(home: string): void {
  if (stateFileStatus(home) !== 'none' || !existsSync(join(home, STATE_FILE))) return;
  removeStateFiles(home);
}

export async function openMessenger(ctx: CliContext, home: string): Promise<Messenger> {
  if (stateFileStatus(home) === 'none') {
    throw new CliError(
      'NoAccount',
      `no account in ${home} (run: sotto init --server URL)`,
      ExitCode.NotFound,
    );
  }
  const passphrase = await readPassphrase(ctx, { confirm: false });
  const opts = messengerOptions(ctx, home, passphrase);
  try {
    return await Messenger.open(opts);
  } catch (e) {
    await opts.backend?.close().catch(() => undefined);
    if (MessengerError.is(e, 'StorageFailed')) throw stateUnreadable(home, e);
    throw toCliError(e, home);
  }
}

const EXIT: Partial<Record<MessengerError['code'], CliError['exitCode']>> = {
  IdentityChanged: ExitCode.Untrusted,
  IdentityMismatch: ExitCode.Untrusted,
  VerificationFailed: ExitCode.Untrusted,
  UnknownContact: ExitCode.NotFound,
  UsernameNotFound: ExitCode.NotFound,
  NoAccount: ExitCode.NotFound,
  WrongPassphrase: ExitCode.Auth,
  RelayUnreachable: ExitCode.Unavailable,
  NotConnected: ExitCode.Unavailable,
  ContactExists: ExitCode.Usage,
  InvalidAddress: ExitCode.Usage,
  InvalidUsername: ExitCode.Usage,
  UsernameTaken: ExitCode.Usage,
  MessageTooLong: ExitCode.Usage,
  InvalidArgument: ExitCode.Usage,
  AccountExists: ExitCode.Usage,
};

/** What people read for each messenger error (one line, no internals). */
function phrase(e: MessengerError, home: string, about: ErrorContext): string {
  const contact = about.contact === undefined ? 'NAME' : shellWord(about.contact);
  switch (e.code) {
    case 'WrongPassphrase':
      return 'wrong passphrase';
    case 'NoAccount':
      return `no account in ${home} (run: sotto init --server URL)`;
    case 'AccountExists':
      return `an account already exists in ${home}`;
    case 'RelayUnreachable':
      // Only init takes --server; other commands use the relay the home was set up with.
      return about.serverFlag
        ? 'the relay is unreachable (is it running? check the --server URL)'
        : 'the relay is unreachable (is it running, at the URL this home was set up with?)';
    case 'IdentityChanged':
      return `${e.message} (compare the new safety number: sotto verify ${contact}, then sotto verify ${contact} --accept)`;
    case 'InvalidAddress':
      return `malformed address: ${e.message.replace(/^malformed address: /, '')}`;
    default:
      return e.message;
  }
}

const STATE_DAMAGED = ['BackendFailure', 'CorruptRecord', 'CorruptHeader'] as const;

/**
 * The home's sotto.db cannot be used: not readable/writable by this user, damaged, or not a Sotto
 * file. Not a bug (exit 1) but the local state being unavailable (exit 3, docs/cli.md).
 */
function stateUnreadable(home: string, e: unknown): CliError {
  const detail = (x: unknown): string | undefined => {
    if (typeof x !== 'object' || x === null) return undefined;
    if ('code' in x && typeof x.code === 'string' && /^(E[A-Z]+|SQLITE_\w+)$/.test(x.code)) return x.code;
    return 'cause' in x ? detail(x.cause) : undefined;
  };
  const why = detail(e);
  return new CliError(
    'StateUnreadable',
    `cannot use ${join(home, STATE_FILE)}${why ? ` (${why})` : ''}: ` +
      'damaged, not a Sotto state file, or not readable and writable by you',
    ExitCode.Unavailable,
  );
}

/** `name` as one shell word, for a command line people can paste (names may hold spaces). */
export function shellWord(name: string): string {
  return /^[\w.@+-]+$/u.test(name) ? name : `'${name.replace(/'/g, `'\\''`)}'`;
}

/** What a command knows that makes an error's advice precise. */
export interface ErrorContext {
  /** The contact the command is about (named in `sotto verify` advice). */
  contact?: string;
  /** The command took the relay URL from --server (init). */
  serverFlag?: boolean;
}

export function toCliError(e: unknown, home: string, about: ErrorContext = {}): unknown {
  if (STATE_DAMAGED.some((code) => StorageError.is(e, code))) return stateUnreadable(home, e);
  if (!MessengerError.is(e)) return e;
  if (e.code === 'RelayRejected' && relayCode(e) === 'AccountNotFound' && about.contact !== undefined) {
    // The relay no longer knows the contact's account: deleted by its owner.
    return new CliError(
      'AccountNotFound',
      `${shellWord(about.contact)} has no account on the relay any more (it was deleted)`,
      ExitCode.NotFound,
    );
  }
  if (e.code === 'RelayRejected' && relayCode(e) === 'Unauthorized') return deviceUnknown();
  const exit = EXIT[e.code] ?? (e.code === 'RelayRejected' ? ExitCode.Unavailable : ExitCode.Internal);
  return new CliError(e.code, phrase(e, home, about), exit);
}

/** The relay refused this device's credentials: removed, or its account deleted, elsewhere. */
export function deviceUnknown(advice = ''): CliError {
  return new CliError(
    'Unauthorized',
    'the relay no longer recognises this device (was it, or its whole account, deleted from another device?)' +
      advice,
    ExitCode.Auth,
  );
}

/** The relay's error code behind a RelayRejected, if it gave one. */
export function relayCode(e: MessengerError): string | undefined {
  const cause: unknown = e.cause;
  return typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
    ? cause.code
    : undefined;
}

/** What init (and init --link) report about the account now in `home`. */
export function accountSummary(m: Messenger, home: string) {
  return {
    address: m.address,
    accountId: m.accountId,
    deviceId: m.deviceId,
    username: m.username,
    relay: m.relayUrl,
    home,
  };
}

/** Prints one JSON object (with --json) or human text. */
export function print(ctx: CliContext, json: boolean, data: unknown, text: string): void {
  ctx.io.stdout(json ? JSON.stringify(data) + '\n' : text.endsWith('\n') ? text : text + '\n');
}
