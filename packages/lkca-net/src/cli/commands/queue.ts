import {
  enqueueScenes,
  OUTPUT_EXTENSIONS,
  type QueueStatus,
  queueStatus,
  resolveRedisUrl,
  waitUntilDrained,
} from '@hsrkit/queue/node';
import type { Command } from 'commander';
import { resolveModel } from '../../shipped-models.js';
import {
  type CommonOptions,
  makeContext,
  parseChoice,
  parseCubeSelection,
  parseNumber,
} from '../context.js';
import { cubeSelectionOptions, jsonOption, tileOptions } from '../options.js';

/** `lkca queue wait` saw jobs that failed for good: exit code 1. */
export class QueueJobsFailedError extends Error {
  override name = 'QueueJobsFailedError';
}

interface QueueOptions extends CommonOptions {
  redis?: string;
  queue?: string;
}

function connectionOptions(cmd: Command): Command {
  return cmd
    .option('--redis <url>', 'Redis URL (default: $LKCA_REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--queue <name>', 'BullMQ queue name', 'lkca-upscale');
}

function statusText(s: QueueStatus): string {
  const c = s.counts;
  const lines = [
    `${s.queue}: ${c.waiting + c.prioritized} waiting, ${c.active} active, ${c.delayed} delayed (retry), ${c.completed} completed, ${c.failed} failed`,
  ];
  for (const a of s.active)
    lines.push(
      `  active ${a.jobId}${a.input ? ` (${a.input})` : ''} on ${a.worker ?? '?'}: ${a.tilesDone ?? 0}/${a.tilesTotal || '?'} tiles`,
    );
  for (const f of s.failures)
    lines.push(`  failed ${f.jobId}${f.input ? ` (${f.input})` : ''}: ${f.reason}`);
  return lines.join('\n');
}

export function queueCommand(program: Command): void {
  const queue = program
    .command('queue')
    .description(
      'super-resolve many scenes on many machines: BullMQ jobs on Redis, run by `lkca worker`',
    );

  jsonOption(
    cubeSelectionOptions(
      tileOptions(
        connectionOptions(
          queue
            .command('add')
            .description(
              'queue one job per scene; outputs are named after the inputs under --out-dir',
            )
            .argument('<inputs...>', 'LR cube files, on storage every worker sees')
            .requiredOption(
              '--model <name|dir>',
              'a shipped model (lkca models) or a model folder / model.json, as `lkca upscale --model`',
            )
            .requiredOption('--out-dir <dir>', 'folder for the outputs (shared storage)'),
        ),
      ),
    )
      .option('--scale <s>', 'check that the model upscales by this factor')
      .option('--format <ext>', `output format: ${OUTPUT_EXTENSIONS.join(', ')}`, 'hdr')
      .option('--attempts <n>', 'attempts per job before it fails for good', '3')
      .option(
        '--self-ensemble',
        'each tile under its 8 rotations and flips, averaged (as lkca upscale --self-ensemble; 8x the work)',
      ),
  ).action(
    async (
      inputs: string[],
      o: QueueOptions & {
        model: string;
        outDir: string;
        scale?: string;
        tile?: string;
        overlap: string;
        format: string;
        attempts: string;
        selfEnsemble?: boolean;
        dataset?: string;
        bandAxis?: string;
      },
    ) => {
      const ctx = makeContext(o);
      // Fail here, not in every job: the workers resolve the same name or folder the same way.
      resolveModel(o.model);
      const jobs = await enqueueScenes({
        redisUrl: resolveRedisUrl(o.redis),
        queueName: o.queue,
        inputs,
        model: o.model,
        outDir: o.outDir,
        format: parseChoice('format', o.format, OUTPUT_EXTENSIONS),
        scale: parseNumber('scale', o.scale, { int: true, min: 2 }),
        tile: parseNumber('tile', o.tile, { int: true, min: 4 }),
        overlap: parseNumber('overlap', o.overlap, { int: true, min: 0 }),
        attempts: parseNumber('attempts', o.attempts, { int: true, min: 1 }),
        selfEnsemble: !!o.selfEnsemble,
        ...parseCubeSelection(o),
      });
      ctx.out.result(
        jobs,
        jobs
          .map((j) => `${j.jobId}  ${j.input} -> ${j.output}${j.added ? '' : ' (already queued)'}`)
          .join('\n'),
      );
    },
  );

  jsonOption(
    connectionOptions(
      queue
        .command('status')
        .description('jobs waiting, active, completed and failed, with the failures'),
    ),
  ).action(async (o: QueueOptions) => {
    const ctx = makeContext(o);
    const s = await queueStatus({ redisUrl: resolveRedisUrl(o.redis), queueName: o.queue });
    ctx.out.result(s, statusText(s));
  });

  jsonOption(
    connectionOptions(
      queue
        .command('wait')
        .description(
          'block until the queue has nothing left to run; exit 1 if any job failed for good',
        ),
    ).option('--poll-ms <n>', 'how often to read the counts', '1000'),
  ).action(async (o: QueueOptions & { pollMs: string }) => {
    const ctx = makeContext(o);
    let last = '';
    const s = await waitUntilDrained({
      redisUrl: resolveRedisUrl(o.redis),
      queueName: o.queue,
      pollMs: parseNumber('poll-ms', o.pollMs, { int: true, min: 10 }),
      signal: ctx.signal,
      onCounts: (c) => {
        const line = `${c.waiting + c.prioritized} waiting, ${c.active} active, ${c.delayed} delayed, ${c.completed} completed, ${c.failed} failed`;
        if (line !== last) ctx.out.info(line);
        last = line;
      },
    });
    ctx.out.result(s, statusText(s));
    if (s.counts.failed > 0)
      throw new QueueJobsFailedError(
        `${s.counts.failed} job(s) failed for good (see \`lkca queue status\`)`,
      );
  });
}
