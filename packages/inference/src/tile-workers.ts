import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import { fusedTileRunner } from './fused-tail-runner.js';
import { saveModel } from './model-files.js';
import type { RuntimeName } from './runtime.js';
import { modelTileRunner, type TileRunner } from './tiled-inference.js';

/**
 * A tile runner each worker builds itself, for models that are not a plain TF.js model run whole
 * (a model that groups bands, or needs statistics of the input): `module` is the URL (or absolute
 * path) of an ES module whose `createTileRunner(data)` returns the runner (or a promise of it);
 * `data` is structured-cloned to every worker. The worker has started its runtime first.
 */
export interface TileRunnerModule {
  module: string;
  data?: unknown;
}

export interface WorkerPoolOptions {
  /** Folder or model.json each worker loads (not used with `runnerModule`). */
  modelPath: string;
  /** Instead of loading `modelPath`: each worker's runner comes from this module. */
  runnerModule?: TileRunnerModule;
  /** Runtime each worker starts (each has its own backend; default wasm). */
  runtime?: RuntimeName;
  workers: number;
  /** Winograd for wide 3x3 convs on wasm (see RuntimeOptions.winogradConv; default true). */
  winogradConv?: boolean;
  /**
   * On wasm and cpu, run the model's sub-pixel tail (upsampling conv, PixelShuffle, bicubic skip)
   * as one WebAssembly SIMD pass (see fusedTileRunner; default true).
   */
  fusedTail?: boolean;
  /** Let WebAssembly use relaxed SIMD (FMA) in the workers (see RuntimeOptions.relaxedSimd; default true). */
  relaxedSimd?: boolean;
}

export interface TileWorkerPool {
  runner: TileRunner;
  /** Device each worker reported. */
  devices: string[];
  /**
   * Only for a pool started with `runnerModule`: every worker builds another runner from `data`
   * (the module's `createTileRunner(data)` again, in the threads already running), so one pool
   * serves inputs that each need their own runner (an any-band model's band statistics) without
   * starting threads per input. Runners of several inputs may be in use at once; `release()` frees
   * this one in the workers.
   */
  runnerWith(data: unknown): Promise<{ runner: TileRunner; release(): void }>;
  close(): Promise<void>;
}

const NO_RUNNER_MODULE = 'runnerWith needs a pool started with runnerModule';

interface Pending {
  resolve: (v: Float32Array) => void;
  reject: (e: Error) => void;
}

/**
 * `requested` worker threads capped at the machine's cores (`os.availableParallelism()`): each
 * worker holds its own backend and model copy, so more workers than cores only cost memory
 * (1000 workers took 2.9 GB before being killed). `capped` says whether the cap applied.
 */
export function capWorkers(requested: number): { workers: number; cores: number; capped: boolean } {
  const cores = availableParallelism();
  const wanted = Math.max(1, Math.floor(requested));
  return { workers: Math.min(wanted, cores), cores, capped: wanted > cores };
}

/**
 * Worker threads that each load the model on their own backend and run tiles, so a 2-core machine
 * runs two WASM tiles at once. Use with `upscaleTiled(..., {concurrency: workers})`.
 */
export async function startTileWorkers(opts: WorkerPoolOptions): Promise<TileWorkerPool> {
  // From source (tests, tsx) the worker is TypeScript and needs tsx's loader; from dist it is JS.
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './tile-worker.ts' : './tile-worker.js', import.meta.url);
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const waiting: ((w: Worker) => void)[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let nextRunner = 1;
  const devices = await Promise.all(
    Array.from({ length: capWorkers(opts.workers).workers }, async () => {
      const workerData = {
        modelPath: opts.modelPath,
        runnerModule: opts.runnerModule,
        runtime: opts.runtime ?? 'wasm',
        winogradConv: opts.winogradConv ?? true,
        fusedTail: opts.fusedTail ?? true,
        relaxedSimd: opts.relaxedSimd ?? true,
      };
      // From source, a tiny JS bootstrap registers tsx's loader in the worker before importing it.
      const w = fromSource
        ? new Worker(
            `import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}))`,
            { eval: true, workerData },
          )
        : new Worker(url, { workerData });
      workers.push(w);
      const device = await new Promise<string>((resolve, reject) => {
        w.once('message', (m) =>
          m.type === 'ready' ? resolve(m.device) : reject(new Error(m.error)),
        );
        w.once('error', reject);
      });
      w.on('message', (m) => {
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (m.type === 'result') p.resolve(new Float32Array(m.data));
        else if (m.type === 'done' || m.type === 'configured') p.resolve(new Float32Array(0));
        else p.reject(new Error(m.error));
      });
      idle.push(w);
      return device;
    }),
  );
  const acquire = () =>
    new Promise<Worker>((resolve) => {
      const w = idle.pop();
      if (w) resolve(w);
      else waiting.push(resolve);
    });
  const release = (w: Worker) => {
    const next = waiting.shift();
    if (next) next(w);
    else idle.push(w);
  };
  const send = async (message: Record<string, unknown>, lr: Float32Array) => {
    const w = await acquire();
    try {
      const id = nextId++;
      const result = new Promise<Float32Array>((resolve, reject) =>
        pending.set(id, { resolve, reject }),
      );
      const copy = lr.slice();
      w.postMessage({ ...message, id, data: copy.buffer }, [copy.buffer]);
      return await result;
    } finally {
      release(w);
    }
  };
  // `runnerId` 0 is the runner each worker built at start; others come from runnerWith.
  const runnerOf = (runnerId: number): TileRunner => {
    // `rows` (the tile's rows that blending uses) go along, so the worker skips the others.
    const run: TileRunner = (lr, height, width, bands, rows) =>
      send({ type: 'tile', runnerId, height, width, bands, rows }, lr);
    // Shared memory crosses to the worker without a copy; the worker adds the tile in itself.
    run.accumulateInto = async (lr, height, width, bands, out, window, wy, wx) => {
      await send({ type: 'tile-into', runnerId, height, width, bands, out, window, wy, wx }, lr);
    };
    return run;
  };
  // Straight to one worker, busy or not: messages reach a worker in order, and runnerWith resolves
  // only when every worker has built the runner, so no tile can arrive before it.
  const tell = (w: Worker, message: Record<string, unknown>) => {
    const id = nextId++;
    const done = new Promise<Float32Array>((resolve, reject) =>
      pending.set(id, { resolve, reject }),
    );
    w.postMessage({ ...message, id });
    return done;
  };
  return {
    runner: runnerOf(0),
    devices,
    async runnerWith(data) {
      if (!opts.runnerModule) throw new Error('runnerWith needs a pool started with runnerModule');
      const runnerId = nextRunner++;
      const release = () => {
        for (const w of workers) w.postMessage({ type: 'release', runnerId });
      };
      try {
        await Promise.all(
          workers.map((w) => tell(w, { type: 'configure', runnerId, config: data })),
        );
      } catch (e) {
        release();
        throw e;
      }
      return { runner: runnerOf(runnerId), release };
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * The runner a tiled job uses: `workers` worker threads when more than one, else `model` in this
 * thread on the current backend (no threads started). Workers load the model from `modelPath`; a
 * model without one (built or changed in memory) is saved to a temporary folder that close()
 * removes. Always close() it.
 */
export async function startTileRunner(
  model: tf.LayersModel,
  opts: Omit<WorkerPoolOptions, 'modelPath'> & { modelPath?: string },
): Promise<TileWorkerPool> {
  if (opts.workers <= 1) {
    const runner =
      (opts.fusedTail ?? true)
        ? (
            await fusedTileRunner(model, {
              relaxedSimd: opts.relaxedSimd === false ? false : 'auto',
            })
          ).runner
        : modelTileRunner(model);
    return {
      runner,
      devices: [],
      runnerWith: () => Promise.reject(new Error(NO_RUNNER_MODULE)),
      close: async () => {},
    };
  }
  const saved = opts.modelPath ? undefined : await mkdtemp(join(tmpdir(), 'hsrkit-model-'));
  const removeSaved = async () => {
    if (saved) await rm(saved, { recursive: true, force: true });
  };
  try {
    if (saved) await saveModel(model, saved);
    const pool = await startTileWorkers({ ...opts, modelPath: opts.modelPath ?? saved! });
    return {
      ...pool,
      async close() {
        await pool.close();
        await removeSaved();
      },
    };
  } catch (e) {
    await removeSaved();
    throw e;
  }
}
