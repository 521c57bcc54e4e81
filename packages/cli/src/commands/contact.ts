// `sotto contact add NAME ADDRESS|@username`, `sotto contact list`, `sotto contact remove NAME`.
import type { Command } from 'commander';
import type { ContactView } from '@sotto/client';
import type { CliCommand, CliContext } from '../command.js';
import { safeText } from './message-format.js';
import { print, withHome, withMessenger } from './messenger-session.js';

function contactJson(c: ContactView) {
  return {
    name: c.name,
    accountId: c.accountId,
    username: c.username,
    trust: c.trust,
    source: c.source,
    added: new Date(c.addedAt).toISOString(),
  };
}

const TRUST_TEXT: Record<ContactView['trust'], string> = {
  unverified: 'unverified',
  verified: 'verified',
  changed: 'SAFETY NUMBER CHANGED',
  'verified-changed': 'VERIFIED KEY CHANGED',
};

export const contactCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    const contact = program.command('contact').description('manage contacts');

    withHome(
      contact
        .command('add')
        .description('add a contact from a sotto: address (verified at once) or an @username')
        .argument('<name>', 'the name you will use for this contact')
        .argument('<address>', 'a sotto:… address or @username'),
    ).action(async (name: string, address: string, _o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      await withMessenger(ctx, self, async (m) => {
        const c = await m.addContact(name, address);
        print(
          ctx,
          json,
          contactJson(c),
          `Added ${safeText(c.name)}${c.username ? ` (@${c.username})` : ''}: ${TRUST_TEXT[c.trust]}` +
            (c.trust === 'verified' ? ' (the address carried the identity key)' : ''),
        );
      });
    });

    withHome(contact.command('list').description('list contacts')).action(
      async (_o: unknown, self: Command) => {
        const { json } = ctx.globals(self);
        await withMessenger(ctx, self, async (m) => {
          const all = await m.contacts();
          const text = all.length
            ? all
                .map(
                  (c) =>
                    `${safeText(c.name)}\t${c.username ? '@' + c.username : '-'}\t${TRUST_TEXT[c.trust]}`,
                )
                .join('\n')
            : '(no contacts)';
          print(ctx, json, all.map(contactJson), text);
        });
      },
    );

    withHome(
      contact.command('remove').description('remove a contact and its history').argument('<name>'),
    ).action(async (name: string, _o: unknown, self: Command) => {
      const { json } = ctx.globals(self);
      await withMessenger(ctx, self, async (m) => {
        await m.removeContact(name);
        print(ctx, json, { removed: name }, `Removed ${safeText(name)}`);
      });
    });
  },
};
