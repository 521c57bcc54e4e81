// Builds the `sotto` commander program from the command registry and runs it, turning every
// outcome into an exit code (docs/cli.md). Errors are one line; stacks only with --debug.
import { Command, CommanderError } from 'commander';
import { describeError } from './cli-error.js';
import type { CliCommand, CliContext, GlobalOptions } from './command.js';
import { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';

export const CLI_VERSION = '0.1.0';

export function buildProgram(io: CliIO, commands: readonly CliCommand[]): Command {
  const program = new Command('sotto')
    .description('Sotto: an end-to-end encrypted messenger. Run a relay, or chat from the terminal.')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .option('--debug', 'show stack traces and internal details on errors', false)
    .option('--json', 'machine-readable output (JSON on stdout)', false)
    // Also accepted after a messenger command's name; given in both places, the later one wins.
    .option('--home <dir>', 'state directory of the messenger commands (env SOTTO_HOME)')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      // Errors are one line (docs/cli.md): commander puts its "(Did you mean …?)" on a second one.
      outputError: (s, write) => write(s.trim().replace(/\s*\n\s*/g, ' ') + '\n'),
    });
  program.addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 internal error, 2 usage/invalid input, 3 unavailable, 4 auth failed,\n' +
      '5 not found, 6 identity not trusted, 7 shutdown timed out, 8 audit inconclusive, 130 interrupted.\n' +
      'See docs/cli.md.\n',
  );
  const ctx: CliContext = {
    io,
    globals: (cmd) => {
      const o = cmd.optsWithGlobals<{ debug?: boolean; json?: boolean }>();
      return { debug: o.debug === true, json: o.json === true } satisfies GlobalOptions;
    },
  };
  for (const command of commands) command.register(program, ctx);
  return program;
}

/** Runs `sotto` with the given arguments (without `node` and script) and returns the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIO,
  commands: readonly CliCommand[],
): Promise<number> {
  const program = buildProgram(io, commands);
  // Applies the exit-override to every subcommand too (commander copies settings at creation).
  for (const sub of program.commands) sub.exitOverride().configureOutput(program.configureOutput());
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExit(err);
    const debug = argv.includes('--debug');
    const json = argv.includes('--json');
    const { code, message, exitCode } = describeError(err);
    if (json) io.stderr(JSON.stringify({ error: { code, message } }) + '\n');
    else io.stderr(`error: ${message}\n`);
    if (debug && err instanceof Error && err.stack !== undefined) io.stderr(err.stack + '\n');
    return exitCode;
  }
}

function commanderExit(err: CommanderError): number {
  // Help and version requested explicitly are successes; commander already printed them.
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.Ok;
  if (err.code === 'commander.executeSubCommandAsync') return err.exitCode;
  // Everything else commander reports (unknown option, missing argument, no command) is usage.
  return ExitCode.Usage;
}
