#!/usr/bin/env node
// The `lkca` command: see `lkca --help`.
import { runCli } from '../dist/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
