import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { analyzeCommand } from './commands/analyze.js';
import { benchCommand } from './commands/bench.js';
import { compressCommand } from './commands/compress.js';
import { degradeCommand } from './commands/degrade.js';
import { demoCommand } from './commands/demo.js';
import { evalCommand } from './commands/eval.js';
import { infoCommand } from './commands/info.js';
import { metricsCommand } from './commands/metrics.js';
import { modelsCommand } from './commands/models.js';
import { previewCommand } from './commands/preview.js';
import { queueCommand } from './commands/queue.js';
import { trainCommand } from './commands/train.js';
import { upscaleCommand } from './commands/upscale.js';
import { workerCommand } from './commands/worker.js';
import { CliUsageError, installInterruptHandler } from './context.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Builds the `lkca` program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('lkca')
    .description(
      'Hyperspectral super-resolution with LKCA-Net and any TF.js model: read, degrade, score, train, compress, upscale.',
    )
    .version(pkg.version)
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  // In `lkca --help` order: data commands, then model commands, then the demo.
  for (const add of [
    infoCommand,
    previewCommand,
    degradeCommand,
    metricsCommand,
    upscaleCommand,
    queueCommand,
    workerCommand,
    trainCommand,
    modelsCommand,
    analyzeCommand,
    compressCommand,
    evalCommand,
    benchCommand,
    demoCommand,
  ])
    add(program);
  return program;
}

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 bad usage, 130 interrupted). */
export async function runCli(argv: string[]): Promise<number> {
  installInterruptHandler();
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const err = e as Error;
    const interrupted = /interrupted|abort/i.test(err.message) && err.name !== 'CliUsageError';
    process.stderr.write(
      `lkca: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}\n`,
    );
    if (process.env.LKCA_DEBUG) process.stderr.write(`${err.stack}\n`);
    return e instanceof CliUsageError ? 2 : interrupted ? 130 : 1;
  }
}
