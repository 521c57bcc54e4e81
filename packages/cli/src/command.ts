// The contract every `sotto` subcommand implements; add yours to src/registry.ts.
import type { Command } from 'commander';
import type { CliIO } from './io.js';

/** Options every command inherits from the root program. */
export interface GlobalOptions {
  /** Show stack traces and internal details on errors. */
  readonly debug: boolean;
  /** Machine-readable output: JSON on stdout (one object, or one per line for streams). */
  readonly json: boolean;
}

export interface CliContext {
  readonly io: CliIO;
  /** The global options as parsed (valid inside an action). */
  readonly globals: (cmd: Command) => GlobalOptions;
}

export interface CliCommand {
  /** Adds the subcommand (and its own subcommands) to the root program. */
  readonly register: (program: Command, ctx: CliContext) => void;
}
