import { redactRedisUrl, resolveRedisUrl, runUpscaleWorker } from '@hsrkit/queue/node';
import type { Command } from 'commander';
import {
  ANY_BAND_PERMANENT_ERRORS,
  isAnyBandModelPath,
  loadAnyBandJobModel,
} from '../../any-band/job-model-node.js';
import { isCascadeModelPath, loadCascadeJobModel } from '../../cascade-job-model-node.js';
import { resolveModel } from '../../shipped-models.js';
import { type CommonOptions, makeContext, parseNumber, parseWorkers } from '../context.js';
import { backendOption, winogradOption, workersOption } from '../options.js';

export function workerCommand(program: Command): void {
  workersOption(
    winogradOption(
      backendOption(
        program
          .command('worker')
          .description(
            'run queued scenes (`lkca queue add`) on the same tiled path as `lkca upscale`; SIGTERM: finish or release the job, then exit',
          )
          .option(
            '--redis <url>',
            'Redis URL (default: $LKCA_REDIS_URL, else redis://127.0.0.1:6379)',
          )
          .option('--queue <name>', 'BullMQ queue name', 'lkca-upscale')
          .option('--concurrency <n>', 'scenes this process runs at once', '1')
          .option(
            '--grace <s>',
            'after SIGTERM, seconds running jobs get before they are released',
            '60',
          )
          .option(
            '--lock-ms <n>',
            "job lock; a dead worker's job is taken over after about this long",
            '30000',
          )
          .option('--until-drained', 'exit once the queue has nothing left to run'),
      ),
    ),
  ).action(
    async (
      o: CommonOptions & {
        redis?: string;
        queue: string;
        concurrency: string;
        grace: string;
        lockMs: string;
        workers: string;
        untilDrained?: boolean;
      },
    ) => {
      const ctx = makeContext(o);
      // The main thread reads model metadata; tiles run in worker threads on the same runtime.
      const info = await ctx.runtime();
      const lockMs = parseNumber('lock-ms', o.lockMs, { int: true, min: 1000 })!;
      const redisUrl = resolveRedisUrl(o.redis);
      ctx.out.info(`worker ${process.pid}: queue ${o.queue} on ${redactRedisUrl(redisUrl)}`);
      await runUpscaleWorker({
        redisUrl,
        queueName: o.queue,
        concurrency: parseNumber('concurrency', o.concurrency, { int: true, min: 1 }),
        threads: parseWorkers(o.workers, info.backend),
        runtime: info.requested,
        fastKernels: o.winograd !== false,
        // A job's model is what `lkca upscale --model` takes, resolved the same way on this machine;
        // an any-band model runs through its own tile runner (on --workers threads kept across jobs).
        resolveModel: (m) => resolveModel(m).path,
        loadCustomModel: async (path) => {
          const threads = {
            workers: parseWorkers(o.workers, info.backend),
            runtime: info.requested,
          };
          // A cascade (e.g. lkca-any-band-x8) runs its stages one after another in each job.
          if (isCascadeModelPath(path)) return loadCascadeJobModel(path, threads);
          return isAnyBandModelPath(path) ? loadAnyBandJobModel(path, threads) : undefined;
        },
        permanentErrors: [...ANY_BAND_PERMANENT_ERRORS, 'CascadeConfigError', 'ModelKindError'],
        graceMs: parseNumber('grace', o.grace, { min: 0 })! * 1000,
        lockDurationMs: lockMs,
        stalledIntervalMs: Math.max(1000, Math.round(lockMs / 2)),
        untilDrained: !!o.untilDrained,
        stop: ctx.signal,
        log: (line) => process.stderr.write(`${line}\n`),
      });
    },
  );
}
