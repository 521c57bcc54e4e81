// The `sotto` executable (bin/sotto.js loads this through tsx). The only place that exits the process.
import { processIO } from './io.js';
import { runCli } from './program.js';
import { COMMANDS } from './registry.js';

const code = await runCli(process.argv.slice(2), processIO(), COMMANDS);
process.exit(code);
