// The `sotto` executable (bin/sotto.js loads this through tsx). The only place that exits the process.
import { describeError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';
import { processIO } from './io.js';
import { runCli } from './program.js';
import { COMMANDS } from './registry.js';

const argv = process.argv.slice(2);

// A bug that escapes every handler (e.g. in a long-running relay) still ends as one line, not a
// stack dump, unless --debug asks for details.
const crash = (err: unknown) => {
  const { message } = describeError(err);
  process.stderr.write(`error: internal: ${message}\n`);
  if (argv.includes('--debug') && err instanceof Error && err.stack !== undefined) {
    process.stderr.write(err.stack + '\n');
  }
  process.exit(ExitCode.Internal);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

const code = await runCli(argv, processIO(), COMMANDS);
process.exit(code);
