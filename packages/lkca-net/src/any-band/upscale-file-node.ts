// Node-only: an any-band model file to file, on @hsrkit/inference's tiled file path
// (`upscaleFileWithBandStats`): a first pass measures the whole input's band moments, then windows
// are read tile by tile, run through the model in the input's units (src/any-band/tile-runner.ts),
// seams blended into a float32 accumulator on disk and renamed into place, so memory is bounded by
// a tile for ENVI output whatever the scene's size. Never over the input; map info scaled so the
// upper-left corner stays put (docs/ARCHITECTURE.md, "Data flow").
import {
  type BandStatistics,
  capWorkers,
  type RuntimeName,
  startTileWorkers,
  type TileWorkerPool,
  type UpscaleFileOptions,
  type UpscaleFileResult,
  upscaleFileWithBandStats,
} from '@hsrkit/inference/node';
import { availableParallelism } from 'node:os';
import { cubeInfo } from '@hsrkit/hsi-data/node';
import { workersForCube } from '@hsrkit/inference';
import type { AnyBandSR } from './any-band-model.js';
import { AnyBandConfigError } from './errors.js';
import { loadAnyBandModel, readAnyBandConfig } from './io-node.js';
import { anyBandTileRunner } from './tile-runner.js';
import type { AnyBandWorkerData } from './tile-worker-module.js';

/** LR tile side of the file path by default: `AnyBandSR.predict`'s, sized for the core's memory
 * (every group of a tile runs at `scale` times its side), not inference's band-count rule. */
export const ANY_BAND_FILE_TILE = 96;

export interface AnyBandFileRunOptions {
  /** When given, the model's scale must equal it. */
  scale?: number;
  /** LR tile side (default ANY_BAND_FILE_TILE). */
  tile?: number;
  /** LR samples shared by neighbouring tiles (default inference's). */
  overlap?: number;
  /** Groups run through the core at once (memory vs speed). */
  groupBatch?: number;
  /** The geometric self-ensemble on every tile (8 passes averaged). */
  selfEnsemble?: boolean;
  /** Which cube of the input where the file alone cannot say (an HDF5 dataset and band axis, a
   * MAT variable): inference's UpscaleFileOptions.read. */
  read?: UpscaleFileOptions['read'];
  signal?: AbortSignal;
  /** Tiles done and in all. */
  onProgress?: (done: number, total: number) => void;
}

export interface AnyBandThreadOptions {
  /** Worker threads, each with its own backend and copy of the model loaded from `modelPath`,
   * capped at the cores (default 1: this thread, on the current backend). */
  workers?: number;
  /** Runtime each worker starts (default wasm). */
  runtime?: RuntimeName;
  /** Called once the workers run, with what each reported. */
  onWorkers?: (devices: string[]) => void;
}

export interface AnyBandUpscaleFileOptions
  extends AnyBandFileRunOptions,
    Omit<AnyBandThreadOptions, 'workers'> {
  /** The any-band model folder (model.json + any-band.json). */
  modelPath: string;
  /**
   * Worker threads as AnyBandThreadOptions.workers, or 'auto': as many as the cube's tiles keep
   * busy (inference's workersForCube), at most one per core.
   */
  workers?: number | 'auto';
  /** With workers 'auto': the count chosen and the tile passes it was chosen for. */
  onWorkersChosen?: (workers: number, tilePasses: number) => void;
}

/** The worker module's URL: TypeScript from source (tests, tsx), JavaScript from dist. */
function workerModuleUrl(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(
    fromSource ? './tile-worker-module.ts' : './tile-worker-module.js',
    import.meta.url,
  ).href;
}

export type AnyBandUpscaleFileResult = UpscaleFileResult;

/** Loads the any-band model at `opts.modelPath`, super-resolves `input` into `output` (in this
 * thread, or on `workers` threads that each load it), frees it. */
export async function upscaleFileWithAnyBand(
  input: string,
  output: string,
  opts: AnyBandUpscaleFileOptions,
): Promise<AnyBandUpscaleFileResult> {
  let workers = opts.workers === 'auto' ? 1 : (opts.workers ?? 1);
  if (opts.workers === 'auto') {
    const info = await cubeInfo(input, opts.read ?? {});
    const chosen = workersForCube(info.rows, info.cols, {
      maxWorkers: availableParallelism(),
      tile: opts.tile ?? ANY_BAND_FILE_TILE,
      overlap: opts.overlap,
      selfEnsemble: opts.selfEnsemble,
    });
    workers = chosen.workers;
    opts.onWorkersChosen?.(workers, chosen.tilePasses);
  }
  const run = { ...opts, workers };
  // On threads each worker loads the model: none is loaded here.
  if (capWorkers(workers).workers > 1) return upscaleOnThreads(opts.modelPath, input, output, run);
  const model = await loadAnyBandModel(opts.modelPath);
  try {
    return await upscaleFileWithAnyBandModel(model, input, output, run);
  } finally {
    model.dispose();
  }
}

/**
 * `upscaleFileWithAnyBand` with a model already loaded. With `workers` > 1 the threads load the
 * model from `modelPath`, its folder (to run many files on the same threads: startAnyBandThreads).
 */
export async function upscaleFileWithAnyBandModel(
  model: AnyBandSR,
  input: string,
  output: string,
  opts: AnyBandFileRunOptions & AnyBandThreadOptions & { modelPath?: string } = {},
): Promise<AnyBandUpscaleFileResult> {
  const workers = capWorkers(opts.workers ?? 1).workers;
  if (workers <= 1)
    return upscaleFileWithBandStats(input, output, {
      ...fileRunOptions(opts),
      model: {
        scale: model.scale,
        runnerFor: (stats) => anyBandTileRunner(model, stats, { groupBatch: opts.groupBatch }),
      },
    });
  if (!opts.modelPath)
    throw new AnyBandConfigError(
      'modelPath',
      'worker threads load the model from its folder: give modelPath',
    );
  return upscaleOnThreads(opts.modelPath, input, output, opts);
}

/** One file on threads started for it. */
async function upscaleOnThreads(
  modelPath: string,
  input: string,
  output: string,
  opts: AnyBandFileRunOptions & AnyBandThreadOptions,
): Promise<AnyBandUpscaleFileResult> {
  const threads = await startAnyBandThreads(modelPath, opts);
  try {
    return await threads.upscaleFile(input, output, opts);
  } finally {
    await threads.close();
  }
}

/** Worker threads running one any-band model for file after file (see startAnyBandThreads). */
export interface AnyBandThreads {
  /** The model's scale (from its any-band.json). */
  scale: number;
  /** Threads running (capped at the cores). */
  workers: number;
  /** One file, as upscaleFileWithAnyBand; several may run at once (each has its own statistics). */
  upscaleFile(
    input: string,
    output: string,
    opts?: AnyBandFileRunOptions,
  ): Promise<AnyBandUpscaleFileResult>;
  /** Ends the threads (after the files running now fail or finish). */
  close(): Promise<void>;
}

/**
 * `opts.workers` threads that each load the any-band model at `modelPath` once and then run every
 * file given to `upscaleFile`: every input has its own band statistics, so each file gets its own
 * runner in the threads already running (TileWorkerPool.runnerWith) rather than new threads. A
 * queue worker keeps one per model, so a job does not pay for starting threads and loading the
 * model. The threads start with the first file, once its statistics are known.
 */
export async function startAnyBandThreads(
  modelPath: string,
  opts: AnyBandThreadOptions = {},
): Promise<AnyBandThreads> {
  const { scale } = await readAnyBandConfig(modelPath);
  const workers = capWorkers(opts.workers ?? 1).workers;
  let pool: Promise<TileWorkerPool> | undefined;
  let closed = false;
  const dataFor = (stats: BandStatistics, groupBatch?: number): AnyBandWorkerData => ({
    modelPath,
    stats: { mean: stats.mean, meanSquare: stats.meanSquare, count: stats.count },
    groupBatch,
  });
  const runnerFor = async (stats: BandStatistics, groupBatch?: number) => {
    if (closed) throw new AnyBandConfigError('threads', 'these threads were closed');
    if (!pool) {
      // The first file's runner is the one each thread builds as it starts.
      const starting = startTileWorkers({
        modelPath,
        runnerModule: { module: workerModuleUrl(), data: dataFor(stats, groupBatch) },
        workers,
        runtime: opts.runtime,
      });
      pool = starting;
      // A failed start is tried again by the next file.
      starting.catch(() => {
        if (pool === starting) pool = undefined;
      });
      const started = await starting;
      opts.onWorkers?.(started.devices);
      return { runner: started.runner, concurrency: workers };
    }
    const { runner, release } = await (await pool).runnerWith(dataFor(stats, groupBatch));
    return { runner, concurrency: workers, close: async () => release() };
  };
  return {
    scale,
    workers,
    upscaleFile: (input, output, o = {}) =>
      upscaleFileWithBandStats(input, output, {
        ...fileRunOptions(o),
        model: { scale, runnerFor: (stats) => runnerFor(stats, o.groupBatch) },
      }),
    async close() {
      closed = true;
      const started = await pool?.catch(() => undefined);
      pool = undefined;
      await started?.close();
    },
  };
}

function fileRunOptions(opts: AnyBandFileRunOptions) {
  return {
    scale: opts.scale,
    tile: opts.tile ?? ANY_BAND_FILE_TILE,
    overlap: opts.overlap,
    selfEnsemble: opts.selfEnsemble,
    read: opts.read,
    signal: opts.signal,
    onProgress: opts.onProgress,
  };
}
