// `sotto chat NAME`: an interactive conversation on the terminal (node:readline + ANSI). History,
// live incoming messages above the input line, delivery state of what you send, and a loud banner
// when the safety number changed (sending refused until /accept or `sotto verify NAME --accept`).
// Quits cleanly on /quit, Ctrl-C and Ctrl-D.
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { Command } from 'commander';
import { MessengerError, type HistoryEntry, type Messenger } from '@sotto/client';
import type { CliCommand, CliContext } from '../command.js';
import { messageLine, safeText, shortTime } from './message-format.js';
import { connectOrFail, homeDir, openMessenger, toCliError, withHome } from './messenger-session.js';

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
        .option('--history <n>', 'how many earlier messages to show', '20'),
    ).action(async (name: string, _o: unknown, self: Command) => {
      const home = homeDir(ctx, self);
      const m = await openMessenger(ctx, home);
      try {
        await runChat(m, name, Number(self.opts<{ history: string }>().history) || 20);
        // Receipts (and texts) still queued go out before the process ends.
        await m.flushOutbox();
      } catch (e) {
        throw toCliError(e, home);
      } finally {
        await m.close().catch(() => undefined);
      }
    });
  },
};

async function runChat(m: Messenger, name: string, historyCount: number): Promise<void> {
  const contact = await m.contact(name);
  const out = process.stdout;
  const c = ansi(out.isTTY);
  const rl: Interface = createInterface({
    input: process.stdin,
    output: out,
    prompt: '> ',
    terminal: out.isTTY,
  });
  const texts = new Map<string, string>();

  /** Prints a line above the input line, keeping what the user was typing. */
  const say = (line: string) => {
    if (out.isTTY) {
      clearLine(out, 0);
      cursorTo(out, 0);
    }
    out.write(line + '\n');
    rl.prompt(true);
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

  m.on('message', ({ contact: who, entry }) => {
    if (who !== contact.name) {
      if (entry.direction === 'in') say(c.dim(`(new message from ${safeText(who)})`));
      return;
    }
    texts.set(entry.id, entry.text);
    show(entry);
    void m.markRead(name).catch(() => undefined);
  });
  m.on('delivery', ({ contact: who, id, state }) => {
    if (who !== contact.name || state === 'sending') return;
    const t = texts.get(id) ?? '';
    const snippet = safeText(t.length > 40 ? t.slice(0, 39) + '…' : t);
    say(
      c.dim(
        `  ${state === 'delivered' ? '✓✓ delivered' : state === 'sent' ? '✓ sent' : '✗ FAILED'}: ${snippet}`,
      ),
    );
  });
  m.on('identityChanged', ({ contact: who, trust }) => {
    if (who === contact.name) showBanner(trust);
  });
  m.on('connection', ({ state }) => {
    if (state === 'reconnecting') say(c.dim('(connection lost, reconnecting…)'));
  });

  try {
    await connectOrFail(m);
    say(c.dim(`connected · ${shortTime(Date.now())}`));
  } catch (e) {
    rl.close();
    throw e;
  }

  await new Promise<void>((done) => {
    let closing = false;
    const quit = () => {
      if (closing) return;
      closing = true;
      rl.close();
    };
    rl.on('close', () => {
      out.write('\n' + c.dim('bye') + '\n');
      done();
    });
    rl.on('SIGINT', quit);
    rl.on('line', (raw) => {
      const line = raw.trim();
      if (line === '') return rl.prompt();
      if (line.startsWith('/')) return void command(line).then(() => rl.prompt());
      void send(line).then(() => rl.prompt());
    });
    const command = async (line: string) => {
      const [cmd] = line.split(/\s+/);
      try {
        if (cmd === '/quit' || cmd === '/exit') return quit();
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
        if (out.isTTY) out.write('\x1b[1A');
        say(messageLine(contact.name, s.entry));
        s.accepted.catch((e: unknown) =>
          say(c.red(`✗ not sent: ${e instanceof Error ? e.message : String(e)}`)),
        );
      } catch (e) {
        if (MessengerError.is(e, 'IdentityChanged')) showBanner((await m.contact(name)).trust);
        else say(c.red(`error: ${e instanceof Error ? e.message : String(e)}`));
      }
    };
    rl.prompt();
  });
}
