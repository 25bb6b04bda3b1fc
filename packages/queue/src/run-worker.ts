import { Queue } from 'bullmq';
import { DEFAULT_QUEUE_NAME } from './job-data.js';
import { isDrained } from './queue-counts.js';
import { countJobs } from './queue-status.js';
import { redisConnection } from './redis-url.js';
import { startUpscaleWorker, type UpscaleWorkerOptions } from './upscale-worker.js';

export interface RunUpscaleWorkerOptions extends UpscaleWorkerOptions {
  /** After SIGTERM, how long running jobs may take before they are released (default 60 s). */
  graceMs?: number;
  /** Exit once the queue has nothing left to run (batch jobs, benchmarks); default: run until told. */
  untilDrained?: boolean;
  /** Stops the worker like SIGTERM (e.g. the CLI's Ctrl-C). */
  stop?: AbortSignal;
}

/**
 * A worker process's life: runs jobs until SIGTERM (or `stop`), then stops taking jobs, lets the
 * running ones finish within `graceMs`, releases those that do not, and returns. A second SIGTERM
 * releases at once. Kubernetes sends SIGTERM and waits terminationGracePeriodSeconds: keep
 * graceMs below it.
 */
export async function runUpscaleWorker(opts: RunUpscaleWorkerOptions): Promise<void> {
  const handle = await startUpscaleWorker(opts);
  const log = opts.log ?? (() => {});
  let stops = 0;
  const stop = () => {
    stops++;
    log(
      stops === 1
        ? `stopping: running jobs get ${((opts.graceMs ?? 60_000) / 1000).toFixed(0)} s to finish`
        : 'stopping now: releasing running jobs',
    );
    void handle.shutdown(stops === 1 ? (opts.graceMs ?? 60_000) : 0);
  };
  process.on('SIGTERM', stop);
  opts.stop?.addEventListener('abort', stop, { once: true });
  let poll: ReturnType<typeof setInterval> | undefined;
  let queue: Queue | undefined;
  if (opts.untilDrained) {
    queue = new Queue(opts.queueName ?? DEFAULT_QUEUE_NAME, {
      connection: redisConnection(opts.redisUrl),
    });
    let busy = false;
    poll = setInterval(async () => {
      if (busy || stops) return;
      busy = true;
      try {
        if (handle.active() === 0 && isDrained(await countJobs(queue!))) {
          log('queue drained: stopping');
          stops++;
          void handle.shutdown();
        }
      } catch (e) {
        log(`cannot read the queue: ${(e as Error).message}`);
      } finally {
        busy = false;
      }
    }, 1000);
  }
  try {
    await new Promise<void>((resolve) => handle.worker.once('closed', () => resolve()));
    await handle.shutdown();
  } finally {
    if (poll) clearInterval(poll);
    await queue?.close();
    process.off('SIGTERM', stop);
  }
}
