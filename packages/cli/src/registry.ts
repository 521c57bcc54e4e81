// Every `sotto` subcommand, in `--help` order. One file per command under src/commands/.
import type { CliCommand } from './command.js';
import { auditCommand } from './commands/audit.js';
import { relayCommand } from './commands/relay.js';

export const COMMANDS: readonly CliCommand[] = [relayCommand, auditCommand];
