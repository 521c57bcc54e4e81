// `sotto chat NAME`: an interactive conversation on the terminal (node:readline + ANSI). History,
// live incoming messages above the input line, delivery state of what you send, and a loud banner
// when the safety number changed (sending refused until /accept or `sotto verify NAME --accept`).
// Quits cleanly on /quit, Ctrl-C and Ctrl-D. Fed from a pipe, it sends every line in order (those
// read while it was still connecting too) and ends at the end of the input, once the relay
// accepted them.
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { Command } from 'commander';
import { MessengerError, type HistoryEntry, type Messenger } from '@sotto/client';
import type { CliCommand, CliContext } from '../command.js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { queueLines, type LineQueue } from './line-queue.js';
import { messageLine, safeText, shortTime } from './message-format.js';
import {
  connectionLoss,
  connectOrFail,
  homeDir,
  openMessenger,
  toCliError,
  withHome,
} from './messenger-session.js';

const HELP = '/quit leave · /verify show the safety number · /accept accept a changed safety number · /help';

const ansi = (on: boolean) => ({
  red: (s: string) => (on ? `\x1b[1;31m${s}\x1b[0m` : s),
  dim: (s: string) => (on ? `\x1b[2m${s}\x1b[0m` : s),
  bold: (s: string) => (on ? `\x1b[1m${s}\x1b[0m` : s),
});

export const chatCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    withHome(
      program
        .command('chat')
        .description('interactive chat with a contact (/quit, Ctrl-C or Ctrl-D to leave)')
        .argument('<name>', 'contact name')
        .option('--history <n>', 'how many earlier messages to show (0: none)', '20'),
    ).action(async (name: string, _o: unknown, self: Command) => {
      const historyCount = parseHistory(self.opts<{ history: string }>().history);
      const home = homeDir(ctx, self);
      const m = await openMessenger(ctx, home);
      try {
        await runChat(m, name, historyCount, home);
        // Receipts (and texts) still queued go out before the process ends.
        await m.flushOutbox();
      } catch (e) {
        throw toCliError(e, home, { contact: name });
      } finally {
        await m.close().catch(() => undefined);
      }
    });
  },
};

/** `--history N`: 0 shows none; like `history --limit`, anything but a whole number is refused. */
function parseHistory(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) > 100_000) {
    throw new CliError(
      'InvalidFlag',
      `invalid --history: expected 0..100000, got ${JSON.stringify(raw)}`,
      ExitCode.Usage,
    );
  }
  return Number(raw);
}

/**
 * How long leaving the chat (/quit, end of input, Ctrl-C/Ctrl-D) waits for the relay to accept the
 * messages already sent; what is still unaccepted then fails the command (exit 3).
 */
export const SEND_GRACE_MS = 15_000;

async function runChat(m: Messenger, name: string, historyCount: number, home: string): Promise<void> {
  const out = process.stdout;
  // Terminal mode (line editing, echo control) only when both ends are a terminal: with a pipe on
  // either side, plain lines in and out.
  const rl: Interface = createInterface({
    input: process.stdin,
    output: out,
    prompt: '> ',
    terminal: Boolean(process.stdin.isTTY) && Boolean(out.isTTY),
  });
  // From here on no line and no end of input is lost, however long unlocking and connecting take.
  const input = queueLines(rl);
  let inputClosed = false;
  rl.on('close', () => (inputClosed = true));
  // Ctrl-C at the terminal (readline reports it only in terminal mode) leaves like Ctrl-D.
  rl.on('SIGINT', () => rl.close());
  const offs: (() => void)[] = [];
  try {
    await converse(m, name, historyCount, {
      home,
      rl,
      input,
      onEvent: (off) => offs.push(off),
      // No "> " in piped output: a prompt is for someone typing at a terminal.
      prompt: () => {
        if (!inputClosed && rl.terminal) rl.prompt(true);
      },
    });
  } finally {
    for (const off of offs) off();
    rl.close();
  }
}

interface Terminal {
  /** The home, for turning a refusal into the CLI error (and exit code) it stands for. */
  home: string;
  rl: Interface;
  input: LineQueue;
  /** Keeps an event subscription's unsubscribe function for when the chat ends. */
  onEvent(off: () => void): void;
  /** Shows the input prompt again (at a terminal, and not once the input is closed). */
  prompt(): void;
}

async function converse(m: Messenger, name: string, historyCount: number, term: Terminal): Promise<void> {
  const contact = await m.contact(name);
  const out = process.stdout;
  const c = ansi(out.isTTY);
  const { rl, input } = term;
  const texts = new Map<string, string>();

  /** Prints a line above the input line, keeping what the user was typing. */
  const say = (line: string) => {
    if (out.isTTY) {
      clearLine(out, 0);
      cursorTo(out, 0);
    }
    out.write(line + '\n');
    term.prompt();
  };
  const showBanner = (trust: string) =>
    say(
      c.red(
        `!!! ${trust === 'verified-changed' ? 'VERIFIED CONTACT: ' : ''}THE SAFETY NUMBER WITH ${safeText(contact.name).toUpperCase()} CHANGED !!!`,
      ) +
        '\n' +
        c.red(
          `Sending is blocked. Compare the new number (/verify) with them, then /accept (or: sotto verify ${safeText(contact.name)} --accept).`,
        ),
    );
  const show = (e: HistoryEntry) =>
    say(e.direction === 'in' ? c.bold(messageLine(contact.name, e)) : messageLine(contact.name, e));

  out.write(c.bold(`Chat with ${safeText(contact.name)}`) + c.dim(`  (${contact.trust})  ${HELP}`) + '\n');
  for (const e of await m.history(name, historyCount)) {
    texts.set(e.id, e.text);
    out.write(messageLine(contact.name, e) + '\n');
  }
  await m.markRead(name);
  if (contact.trust === 'changed' || contact.trust === 'verified-changed') showBanner(contact.trust);

  term.onEvent(
    m.on('message', ({ contact: who, entry }) => {
      if (who !== contact.name) {
        if (entry.direction === 'in') say(c.dim(`(new message from ${safeText(who)})`));
        return;
      }
      texts.set(entry.id, entry.text);
      show(entry);
      void m.markRead(name).catch(() => undefined);
    }),
  );
  term.onEvent(
    m.on('delivery', ({ contact: who, id, state }) => {
      if (who !== contact.name || state === 'sending') return;
      const t = texts.get(id) ?? '';
      const snippet = safeText(t.length > 40 ? t.slice(0, 39) + '…' : t);
      say(
        c.dim(
          `  ${state === 'delivered' ? '✓✓ delivered' : state === 'sent' ? '✓ sent' : '✗ FAILED'}: ${snippet}`,
        ),
      );
    }),
  );
  term.onEvent(
    m.on('identityChanged', ({ contact: who, trust }) => {
      if (who === contact.name) showBanner(trust);
    }),
  );
  term.onEvent(
    m.on('connection', ({ state }) => {
      if (state === 'reconnecting') say(c.dim('(connection lost, reconnecting…)'));
    }),
  );

  // A connection taken over by another sotto command on this home ends the chat (exit 3) instead
  // of leaving it open while it receives nothing.
  const loss = connectionLoss(m);
  term.onEvent(loss.off);
  await connectOrFail(m);
  say(c.dim(`connected · ${shortTime(Date.now())}`));

  /** Messages handed to the relay whose acceptance is still awaited. */
  let unaccepted = 0;
  /**
   * Why each line that will never go out was not sent: refused by the client (safety number
   * changed, too long, …) or failed for good at the relay. Any of them fails the command.
   */
  const failures: unknown[] = [];
  let allAccepted: () => void = () => undefined;

  const command = async (line: string) => {
    const [cmd] = line.split(/\s+/);
    try {
      if (cmd === '/help') return say(HELP);
      if (cmd === '/verify') {
        const n = await m.safetyNumber(name);
        const g = n.grouped.split(' ');
        return say(
          `Safety number${n.pending ? ' (NEW, not accepted)' : ''} (${n.trust}):\n  ${g.slice(0, 4).join(' ')}\n  ${g.slice(4, 8).join(' ')}\n  ${g.slice(8).join(' ')}\nScannable code: ${n.scannableText}`,
        );
      }
      if (cmd === '/accept') {
        const before = await m.contact(name);
        if (before.trust !== 'changed' && before.trust !== 'verified-changed')
          return say('Nothing to accept: the safety number has not changed.');
        await m.acceptIdentity(name);
        return say('Accepted the new safety number; sending is unblocked.');
      }
      say(`unknown command ${safeText(cmd ?? '')}; ${HELP}`);
    } catch (e) {
      say(c.red(`error: ${e instanceof Error ? e.message : String(e)}`));
    }
  };
  const send = async (text: string) => {
    try {
      const s = await m.send(name, text);
      texts.set(s.id, text);
      // Move up over the echoed input line and replace it with the message and its state.
      if (out.isTTY && term.rl.terminal) out.write('\x1b[1A');
      say(messageLine(contact.name, s.entry));
      unaccepted++;
      s.accepted
        .catch((e: unknown) => {
          failures.push(e);
          say(c.red(`✗ not sent: ${e instanceof Error ? e.message : String(e)}`));
        })
        .finally(() => {
          if (--unaccepted === 0) allAccepted();
        });
    } catch (e) {
      failures.push(e);
      if (MessengerError.is(e, 'IdentityChanged')) showBanner((await m.contact(name)).trust);
      else say(c.red(`error: ${e instanceof Error ? e.message : String(e)}`));
    }
  };

  // One line at a time, in input order: what was typed or piped before `connected` goes out first.
  term.prompt();
  for (;;) {
    const raw = await Promise.race([input.next(), loss.lost]);
    if (raw === null) break; // end of input: Ctrl-D, the end of a pipe, Ctrl-C
    const line = raw.trim();
    const cmd = line.split(/\s+/)[0];
    if (cmd === '/quit' || cmd === '/exit') break;
    if (line.startsWith('/')) await command(line);
    else if (line !== '') await send(line);
    term.prompt();
  }
  rl.close();

  // Everything read was handed to the messenger; leave once the relay accepted it (bounded).
  if (unaccepted > 0) {
    out.write(c.dim(`waiting for the relay to accept ${plural(unaccepted)}…`) + '\n');
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((done) => {
        allAccepted = done;
        timer = setTimeout(done, SEND_GRACE_MS);
      }),
      loss.lost,
    ]).finally(() => clearTimeout(timer));
  }
  out.write(c.dim('bye') + '\n');
  throwIfNotSent(failures, unaccepted, term.home, name);
}

/**
 * Fails the chat when any line it read was not sent (docs/cli.md): refused by the client or the
 * relay, with the exit code of the first such refusal (6 safety number changed, 2 message too
 * long, 3 relay rejected it, …); otherwise, lines the relay had not accepted when the grace period
 * ended: exit 3. So a script piping into `sotto chat` can tell that some lines did not go out.
 */
function throwIfNotSent(failures: readonly unknown[], unaccepted: number, home: string, name: string): void {
  const notSent = failures.length + unaccepted;
  if (notSent === 0) return;
  const first = failures.length > 0 ? toCliError(failures[0], home, { contact: name }) : undefined;
  const queued =
    unaccepted > 0 ? ' (those still queued go out with your next sotto send, inbox or chat)' : '';
  const why = CliError.is(first) ? `; the first: ${first.message}` : '';
  throw new CliError(
    'NotSent',
    `${plural(notSent)} not sent${why}${queued}`,
    CliError.is(first) ? first.exitCode : ExitCode.Unavailable,
  );
}

const plural = (n: number) => `${n} message${n === 1 ? '' : 's'}`;
