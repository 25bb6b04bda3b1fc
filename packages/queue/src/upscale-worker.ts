import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { loadModel, type RuntimeName, startTileWorkers } from '@hsrkit/inference/node';
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import {
  DEFAULT_QUEUE_NAME,
  parseUpscaleJobData,
  type UpscaleJobProgress,
  type UpscaleJobResult,
} from './job-data.js';
import { modelDigest } from './model-digest.js';
import { redisConnection } from './redis-url.js';
import type { SceneStorage } from './scene-storage.js';
import { sharedFileStorage } from './shared-file-storage.js';
import { type JobModel, runUpscaleJob, tiledJobModel } from './upscale-job.js';

export interface UpscaleWorkerOptions {
  redisUrl: string;
  queueName?: string;
  /** Jobs this process runs at once (default 1). */
  concurrency?: number;
  /** Tile worker threads per model, shared by this process's jobs (default 1). Tiles always run
   * in threads so the event loop stays free to renew BullMQ's job locks during a long tile. */
  threads?: number;
  /** Runtime each tile thread starts (default wasm), as `lkca upscale` passes it. */
  runtime?: RuntimeName;
  /** Our WebAssembly kernels (Winograd, fused tail) in the threads (default true). */
  fastKernels?: boolean;
  /** Turns a job's `model` into a folder or model.json (default: as given, like `lkca upscale`). */
  resolveModel?: (model: string) => string | Promise<string>;
  /**
   * A model this worker runs its own way rather than as a plain TF.js SR model on inference's
   * tiled path (e.g. the any-band models of @hsrkit/lkca-net, which group bands and normalise per
   * input): return it for a resolved model path, or undefined for the default path. It is loaded
   * once per path and closed with the worker. It runs in this process (on the current backend),
   * between awaits, so BullMQ's lock renewals still get their turn.
   */
  loadCustomModel?: (
    modelPath: string,
  ) => Promise<(JobModel & { close(): Promise<void> }) | undefined>;
  /** Error names that fail a job at once, beyond the built-in list (a custom model's input
   * errors, say). */
  permanentErrors?: readonly string[];
  storage?: SceneStorage;
  /** BullMQ lock: a job whose worker stops renewing it for this long is taken over (default 30 s). */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (default 30 s). */
  stalledIntervalMs?: number;
  /** Takeovers after which a job fails for good (default 2). */
  maxStalledCount?: number;
  log?: (line: string) => void;
}

export interface UpscaleWorkerHandle {
  worker: Worker;
  /** Stops taking jobs; lets running jobs finish for `graceMs` (default: as long as they take),
   * then aborts them and puts them back in the queue for another worker; frees the models. */
  shutdown(graceMs?: number): Promise<void>;
  /** Jobs running now. */
  active(): number;
}

/** Errors no retry can fix: the job fails at once with the typed error's text. */
const PERMANENT = new Set([
  'UpscaleInputError',
  'QueueInputError',
  'ModelFileError',
  'ModelNotFoundError',
  'HsiIoError',
  'HsiFormatError',
  'HsiTruncatedError',
  'HsiShapeError',
  'HsiValueError',
  'HsiConfigError',
]);

/** The job's failure as BullMQ records it: `Name: message` of the typed error. */
export function jobFailure(e: unknown, permanent: readonly string[] = []): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  const text = err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return PERMANENT.has(err.name) || permanent.includes(err.name)
    ? new UnrecoverableError(text)
    : new Error(text);
}

/**
 * A BullMQ worker that super-resolves queued scenes. The current TF.js backend must be set (the
 * main thread only reads the model's metadata); tiles run in worker threads on `runtime`.
 */
export async function startUpscaleWorker(opts: UpscaleWorkerOptions): Promise<UpscaleWorkerHandle> {
  const storage = opts.storage ?? sharedFileStorage();
  const log = opts.log ?? (() => {});
  const threads = Math.max(1, opts.threads ?? 1);
  const models = new Map<string, Promise<JobModel & { close(): Promise<void> }>>();
  const self = `${hostname()}:${process.pid}`;
  let releasing = false;
  let running = 0;

  const modelFor = (modelPath: string) => {
    let m = models.get(modelPath);
    if (!m) {
      m = (async () => {
        const custom = await opts.loadCustomModel?.(modelPath);
        if (custom) {
          log(`model ${modelPath}: its own runner, in this process`);
          return custom;
        }
        const model = await loadModel(modelPath);
        try {
          const pool = await startTileWorkers({
            modelPath,
            runtime: opts.runtime,
            workers: threads,
            winogradConv: opts.fastKernels ?? true,
            fusedTail: opts.fastKernels ?? true,
          });
          log(`model ${modelPath}: ${threads} tile thread(s) on ${pool.devices.join('; ')}`);
          const digest = await modelDigest(modelPath);
          return {
            ...tiledJobModel({
              modelPath,
              model,
              runner: pool.runner,
              concurrency: threads,
              digest,
            }),
            async close() {
              await pool.close();
              model.dispose();
            },
          };
        } catch (e) {
          model.dispose();
          throw e;
        }
      })();
      models.set(modelPath, m);
      // A model that failed to load is tried again by the next job that names it.
      m.catch(() => models.delete(modelPath));
    }
    return m;
  };

  const processor = async (
    job: Job,
    token?: string,
    signal?: AbortSignal,
  ): Promise<UpscaleJobResult> => {
    running++;
    try {
      const data = parseUpscaleJobData(job.data);
      const progress = (tilesDone: number, tilesTotal: number) =>
        job.updateProgress({ tilesDone, tilesTotal, worker: self } satisfies UpscaleJobProgress);
      await progress(0, 0);
      const model = await modelFor(await (opts.resolveModel ?? ((m: string) => m))(data.model));
      let last = 0;
      const result = await runUpscaleJob(data, {
        storage,
        model,
        attempt: `${process.pid}-${randomUUID().slice(0, 8)}`,
        jobId: job.id,
        signal,
        onProgress: (done, total) => {
          const now = Date.now();
          if (done < total && now - last < 1000) return;
          last = now;
          progress(done, total).catch(() => {});
        },
      });
      log(
        `${job.id}: ${result.reused ? 'already done' : 'wrote'} ${result.files.join(' + ')} in ${(result.ms / 1000).toFixed(1)} s`,
      );
      return result;
    } catch (e) {
      if (releasing && signal?.aborted && token) {
        // Shutting down past the grace period: hand the job back now rather than wait for the
        // stalled-job check; the next worker starts it over.
        await job.moveToWait(token);
        log(`${job.id}: released to the queue`);
        throw new WaitingError();
      }
      const failure = jobFailure(e, opts.permanentErrors);
      log(`${job.id}: ${failure.message}`);
      throw failure;
    } finally {
      running--;
    }
  };

  const worker = new Worker(opts.queueName ?? DEFAULT_QUEUE_NAME, processor, {
    connection: redisConnection(opts.redisUrl),
    concurrency: Math.max(1, opts.concurrency ?? 1),
    lockDuration: opts.lockDurationMs ?? 30_000,
    stalledInterval: opts.stalledIntervalMs ?? 30_000,
    maxStalledCount: opts.maxStalledCount ?? 2,
    autorun: true,
  });
  worker.on('error', (e) => log(`worker error: ${e.message}`));
  await worker.waitUntilReady();

  let closing: Promise<void> | undefined;
  return {
    worker,
    active: () => running,
    shutdown(graceMs) {
      const timer =
        graceMs === undefined
          ? undefined
          : setTimeout(() => {
              releasing = true;
              worker.cancelAllJobs('the worker is shutting down');
            }, graceMs);
      closing ??= (async () => {
        try {
          await worker.close();
        } finally {
          if (timer) clearTimeout(timer);
          for (const m of models.values()) await (await m.catch(() => undefined))?.close();
          models.clear();
        }
      })();
      return closing;
    },
  };
}
