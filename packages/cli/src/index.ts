export { runCli, buildProgram, CLI_VERSION } from './program.js';
export { COMMANDS } from './registry.js';
export { CliError, describeError } from './cli-error.js';
export { ExitCode } from './exit-codes.js';
export type { ExitCodeValue } from './exit-codes.js';
export type { CliCommand, CliContext, GlobalOptions } from './command.js';
export type { CliIO } from './io.js';
export { processIO } from './io.js';
