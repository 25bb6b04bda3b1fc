// The `lkca` command run from the TypeScript sources in a process of its own (bin/lkca.js runs
// the built dist): src/cli/cli.test.ts uses it where a fresh TF.js matters.
import { runCli } from '../src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
