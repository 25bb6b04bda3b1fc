import type { Queue } from 'bullmq';
import { DEFAULT_QUEUE_NAME, type UpscaleJobProgress } from './job-data.js';
import type { QueueCounts, QueueStatus } from './queue-counts.js';
import { withQueue } from './redis-url.js';

export interface QueueStatusOptions {
  redisUrl: string;
  queueName?: string;
  /** Failures listed at most (default 100, newest first). */
  maxFailures?: number;
}

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

export async function countJobs(queue: Queue): Promise<QueueCounts> {
  const c = await queue.getJobCounts(...STATES);
  return Object.fromEntries(STATES.map((s) => [s, c[s] ?? 0])) as unknown as QueueCounts;
}

export async function failuresOf(queue: Queue, max = 100): Promise<QueueStatus['failures']> {
  const failed = await queue.getFailed(0, max - 1);
  return failed
    .filter((j) => j)
    .map((j) => ({
      jobId: String(j.id),
      input: (j.data as { input?: string } | undefined)?.input,
      reason: j.failedReason,
      attemptsMade: j.attemptsMade,
    }));
}

export async function activeJobs(queue: Queue): Promise<QueueStatus['active']> {
  return (await queue.getActive())
    .filter((j) => j)
    .map((j) => {
      const p = (typeof j.progress === 'object' ? j.progress : {}) as Partial<UpscaleJobProgress>;
      return {
        jobId: String(j.id),
        input: (j.data as { input?: string } | undefined)?.input,
        worker: p.worker,
        tilesDone: p.tilesDone,
        tilesTotal: p.tilesTotal,
      };
    });
}

/** Jobs by state and the reasons of those that failed for good. */
export async function queueStatus(opts: QueueStatusOptions): Promise<QueueStatus> {
  const queueName = opts.queueName ?? DEFAULT_QUEUE_NAME;
  return withQueue(opts.redisUrl, queueName, async (queue) => ({
    queue: queueName,
    counts: await countJobs(queue),
    active: await activeJobs(queue),
    failures: await failuresOf(queue, opts.maxFailures),
  }));
}
