// `sotto inbox [--wait SECONDS]`: connect, let the messenger fetch/decrypt/store/ack the backlog,
// then print every unread incoming message (and, with --wait, new ones as they arrive), marking
// them read. Messages received by any earlier command (e.g. during `send`) are unread too, so
// nothing is missed; a message stored before a crash is printed once (it is unread once).
import type { Command } from 'commander';
import type { HistoryEntry, Messenger } from '@sotto/client';
import type { CliCommand, CliContext } from '../command.js';
import { messageJson, messageLine, safeText } from './message-format.js';
import { connectionLoss, connectOrFail, withHome, withMessenger } from './messenger-session.js';
import { parseSecondsMs } from './seconds-arg.js';

const parseWaitMs = (v: unknown) => parseSecondsMs(v, '--wait', (s) => s <= 86_400, 'seconds (0..86400)');

export const inboxCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    withHome(
      program
        .command('inbox')
        .description('fetch and print new messages (--json: one object per line)')
        .option('--wait <seconds>', 'keep listening this long for more messages', '0'),
    ).action(async (_o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      const waitMs = parseWaitMs(self.opts<{ wait: string }>().wait);
      await withMessenger(ctx, self, async (m) => {
        const printed = new Set<string>();
        const show = (name: string, e: HistoryEntry) => {
          if (printed.has(e.id) || e.direction !== 'in') return;
          printed.add(e.id);
          ctx.io.stdout((json ? JSON.stringify(messageJson(name, e)) : messageLine(name, e)) + '\n');
        };
        let live = false;
        const pendingLive: Promise<void>[] = [];
        m.on('message', ({ contact, entry }) => {
          if (!live) return; // the backlog is printed from the unread lists below
          show(contact, entry);
          pendingLive.push(m.markRead(contact).catch(() => undefined));
        });
        m.on('identityChanged', ({ contact }) => {
          ctx.io.stderr(
            `warning: the safety number with ${safeText(contact)} changed; their messages are held until you run: sotto verify ${safeText(contact)} --accept\n`,
          );
        });
        m.on('contactAdded', ({ contact }) => {
          ctx.io.stderr(`note: a new contact wrote to you: ${safeText(contact)}\n`);
        });
        const loss = connectionLoss(m);
        // Every wait below ends with an error if the connection is taken over (not silently).
        const connected = <T>(p: Promise<T>) => Promise.race([p, loss.lost]);
        try {
          await connectOrFail(m);
          await connected(m.whenQueueEmpty());
          await printUnread(m, show);
          live = true;
          if (waitMs > 0) {
            await connected(
              new Promise<void>((done) => {
                const t = setTimeout(done, waitMs);
                const off = ctx.io.onSignal(() => {
                  clearTimeout(t);
                  off();
                  done();
                });
              }),
            );
            // Anything that arrived between the backlog and going live.
            await printUnread(m, show);
          }
          await Promise.all(pendingLive);
          // The receipts for what was just received: sent before exiting, not left for the next run.
          await connected(m.flushOutbox());
        } finally {
          loss.off();
        }
      });
    });
  },
};

async function printUnread(m: Messenger, show: (name: string, e: HistoryEntry) => void): Promise<void> {
  for (const conv of (await m.conversations()).reverse()) {
    if (conv.unread === 0) continue;
    const name = conv.contact.name;
    const recent = (await m.history(name, Math.max(conv.unread * 2, 50))).filter((e) => e.direction === 'in');
    for (const e of recent.slice(-conv.unread)) show(name, e);
    await m.markRead(name);
  }
}
