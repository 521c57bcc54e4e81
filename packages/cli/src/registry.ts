// Every `sotto` subcommand, in `--help` order. One file per command under src/commands/.
import type { CliCommand } from './command.js';
import { auditCommand } from './commands/audit.js';
import { chatCommand } from './commands/chat.js';
import { contactCommand } from './commands/contact.js';
import { deleteAccountCommand } from './commands/delete-account.js';
import { devicesCommand } from './commands/devices.js';
import { historyCommand } from './commands/history.js';
import { inboxCommand } from './commands/inbox.js';
import { initCommand } from './commands/init.js';
import { relayCommand } from './commands/relay.js';
import { sendCommand } from './commands/send.js';
import { usernameCommand } from './commands/username.js';
import { verifyCommand } from './commands/verify.js';
import { whoamiCommand } from './commands/whoami.js';

export const COMMANDS: readonly CliCommand[] = [
  initCommand,
  whoamiCommand,
  usernameCommand,
  contactCommand,
  sendCommand,
  inboxCommand,
  historyCommand,
  chatCommand,
  verifyCommand,
  devicesCommand,
  deleteAccountCommand,
  relayCommand,
  auditCommand,
];
