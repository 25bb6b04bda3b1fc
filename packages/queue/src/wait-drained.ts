import { DEFAULT_QUEUE_NAME } from './job-data.js';
import { isDrained, type QueueCounts, type QueueStatus } from './queue-counts.js';
import { countJobs, failuresOf } from './queue-status.js';
import { withQueue } from './redis-url.js';

export interface WaitDrainedOptions {
  redisUrl: string;
  queueName?: string;
  /** How often the counts are read (default 1000 ms). */
  pollMs?: number;
  signal?: AbortSignal;
  /** Called with each reading of the counts. */
  onCounts?: (counts: QueueCounts) => void;
}

/**
 * Blocks until no job is waiting, delayed or active, then returns the status. Polls the counts
 * (one small Redis call per poll) rather than listening to events: a waiter started after the
 * last event, or reconnecting, still sees the truth.
 */
export async function waitUntilDrained(opts: WaitDrainedOptions): Promise<QueueStatus> {
  const queueName = opts.queueName ?? DEFAULT_QUEUE_NAME;
  // Redis may restart while we wait: give up only after 30 s without it.
  return withQueue(
    opts.redisUrl,
    queueName,
    async (queue) => {
      for (;;) {
        const counts = await countJobs(queue);
        opts.onCounts?.(counts);
        if (isDrained(counts))
          return { queue: queueName, counts, active: [], failures: await failuresOf(queue) };
        opts.signal?.throwIfAborted();
        await new Promise<void>((res, rej) => {
          const t = setTimeout(res, opts.pollMs ?? 1000);
          opts.signal?.addEventListener(
            'abort',
            () => {
              clearTimeout(t);
              rej(opts.signal?.reason ?? new Error('aborted'));
            },
            { once: true },
          );
        });
      }
    },
    30_000,
  );
}
