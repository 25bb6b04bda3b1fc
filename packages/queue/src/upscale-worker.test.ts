// Stopping a worker (what SIGTERM does in `lkca worker`): within the grace period the running job
// finishes; past it the job is released to the queue at once (not left to the stalled-job check),
// with no output and no staging left, and the next worker completes it.
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bicubicUpsample, readCube, toBipCube, writeCube } from '@hsrkit/hsi-data/node';
import { selectRuntime } from '@hsrkit/inference';
import * as tf from '@tensorflow/tfjs';
import { type Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, skipWithoutRedis, startRedis } from '../test/redis-server.js';
import { MODEL, writeSceneCrops } from '../test/scenes.js';
import { enqueueScenes } from './enqueue.js';
import { outputRecordPath } from './output-record.js';
import { runUpscaleWorker } from './run-worker.js';
import { STAGING_DIR } from './shared-file-storage.js';
import type { JobModel } from './upscale-job.js';
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

  it('runs the model loadCustomModel brings (data published before header); its permanent errors fail at once', async () => {
    const queueName = 'custom-model-test';
    const queue = new Queue(queueName, { connection: { url: redis.url } });
    const closed: string[] = [];
    // A model of its own kind: MATLAB bicubic x2 through hsi-data, written by writeCube (which
    // lists the data file before the header, unlike upscaleFile).
    const bicubicX2: JobModel & { close(): Promise<void> } = {
      modelPath: 'bicubic-x2',
      digest: 'digest-of-bicubic-x2',
      async upscaleFile(input, output, o) {
        o.onProgress?.(0, 1);
        const lr = await readCube(input);
        const bip = toBipCube(lr);
        const hr = tf.tidy(() =>
          bicubicUpsample(tf.tensor4d(bip.data, [1, lr.rows, lr.cols, lr.bands]), 2),
        );
        const data = (await hr.data()) as Float32Array;
        hr.dispose();
        o.onProgress?.(1, 1);
        const files = await writeCube(output, {
          rows: lr.rows * 2,
          cols: lr.cols * 2,
          bands: lr.bands,
          interleave: 'bip',
          data,
        });
        return { files, rows: lr.rows * 2, cols: lr.cols * 2, bands: lr.bands, scale: 2 };
      },
      async close() {
        closed.push(this.modelPath);
      },
    };
    const refuses: JobModel & { close(): Promise<void> } = {
      modelPath: 'refuses',
      digest: 'digest-of-refuses',
      async upscaleFile(input) {
        throw Object.assign(new Error(`${input}: not for this model`), {
          name: 'CustomInputError',
        });
      },
      async close() {
        closed.push(this.modelPath);
      },
    };
    const outDir = join(dir, 'custom-out');
    const common = { redisUrl: redis.url, queueName };
    const [ok] = await enqueueScenes({
      ...common,
      inputs: [scenes[0]],
      model: 'bicubic-x2',
      outDir,
    });
    const [bad] = await enqueueScenes({
      ...common,
      inputs: [scenes[1]],
      model: 'refuses',
      outDir,
      attempts: 3,
    });
    const before = tf.memory().numTensors;
    await runUpscaleWorker({
      ...common,
      untilDrained: true,
      loadCustomModel: async (path) =>
        path === 'bicubic-x2' ? bicubicX2 : path === 'refuses' ? refuses : undefined,
      permanentErrors: ['CustomInputError'],
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(closed.sort()).toEqual(['bicubic-x2', 'refuses']);

    const done = (await queue.getJob(ok.jobId))!;
    expect(await done.getState()).toBe('completed');
    const lr = await readCube(scenes[0]);
    const want = tf.tidy(() =>
      bicubicUpsample(tf.tensor4d(toBipCube(lr).data, [1, lr.rows, lr.cols, lr.bands]), 2),
    );
    const got = await readCube(ok.output);
    expect([got.rows, got.cols, got.bands]).toEqual([128, 128, 31]);
    expect(toBipCube(got).data).toEqual(await want.data());
    want.dispose();
    const record = JSON.parse(await fs.readFile(outputRecordPath(ok.output), 'utf8'));
    expect(record.modelDigest).toBe('digest-of-bicubic-x2');
    // Published data first, header last.
    expect(record.outputs.map((f: { path: string }) => f.path)).toEqual([
      ok.output.replace(/\.hdr$/, '.img'),
      ok.output,
    ]);

    const failed = (await queue.getJob(bad.jobId))!;
    expect(await failed.getState()).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/^CustomInputError: .*not for this model/);
    expect(existsSync(bad.output)).toBe(false);
    await queue.close();
  });
});
