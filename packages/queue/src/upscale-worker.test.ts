// Stopping a worker (what SIGTERM does in `lkca worker`): within the grace period the running job
// finishes; past it the job is released to the queue at once (not left to the stalled-job check),
// with no output and no staging left, and the next worker completes it.
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectRuntime } from '@hsrkit/inference';
import { type Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, skipWithoutRedis, startRedis } from '../test/redis-server.js';
import { MODEL, writeSceneCrops } from '../test/scenes.js';
import { enqueueScenes } from './enqueue.js';
import { runUpscaleWorker } from './run-worker.js';
import { STAGING_DIR } from './shared-file-storage.js';
import { startUpscaleWorker } from './upscale-worker.js';

describe.skipIf(skipWithoutRedis)('upscale worker shutdown', () => {
  let redis: RedisServer;
  let dir: string;
  let scenes: string[];

  beforeAll(async () => {
    redis = await startRedis();
    await selectRuntime('wasm');
    dir = await fs.mkdtemp(join(tmpdir(), 'hsrkit-queue-worker-'));
    scenes = await writeSceneCrops(dir, 64, [
      [0, 0],
      [100, 100],
    ]);
  });

  afterAll(async () => {
    await redis?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  async function activeJob(queue: Queue): Promise<Job> {
    const t0 = Date.now();
    for (;;) {
      if (Date.now() - t0 > 60_000)
        throw new Error(
          `no running job seen in 60 s: ${JSON.stringify(await queue.getJobCounts())}`,
        );
      const [job] = await queue.getActive();
      if (job && (job.progress as { tilesTotal?: number }).tilesTotal) return job;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('finishes within the grace period, releases past it; another worker completes the job', async () => {
    const queueName = 'shutdown-test';
    const common = {
      redisUrl: redis.url,
      queueName,
      threads: 1,
      runtime: 'wasm' as const,
    };
    const queue = new Queue(queueName, { connection: { url: redis.url } });
    // Small tiles: many of them, so a stop lands between two. One scene at a time, so that the
    // stopping worker cannot have fetched the next one already.
    const add = (input: string) =>
      enqueueScenes({
        ...common,
        inputs: [input],
        model: MODEL,
        outDir: join(dir, 'out'),
        tile: 16,
        overlap: 4,
      });
    await add(scenes[0]);
    const w1 = await startUpscaleWorker(common);
    const first = await activeJob(queue);
    await w1.shutdown(60_000);
    expect(await (await queue.getJob(first.id!))!.getState()).toBe('completed');
    expect(existsSync(first.data.output)).toBe(true);

    const [released] = await add(scenes[1]);
    const w2 = await startUpscaleWorker(common);
    const second = await activeJob(queue);
    expect(second.id).toBe(released.jobId);
    await w2.shutdown(0);
    const back = (await queue.getJob(second.id!))!;
    expect(await back.getState()).toBe('waiting');
    expect(back.attemptsMade).toBe(0);
    expect(existsSync(second.data.output)).toBe(false);
    expect(existsSync(join(dir, 'out', STAGING_DIR))).toBe(false);

    await runUpscaleWorker({ ...common, untilDrained: true });
    const done = (await queue.getJob(second.id!))!;
    expect(await done.getState()).toBe('completed');
    expect(done.attemptsStarted).toBe(2);
    expect(existsSync(second.data.output)).toBe(true);
    await queue.close();
  });
});
