// Node-only: an any-band model file to file, on @hsrkit/inference's tiled file path
// (`upscaleFileWithBandStats`): a first pass measures the whole input's band moments, then windows
// are read tile by tile, run through the model in the input's units (src/any-band/tile-runner.ts),
// seams blended into a float32 accumulator on disk and renamed into place, so memory is bounded by
// a tile for ENVI output whatever the scene's size. Never over the input; map info scaled so the
// upper-left corner stays put (docs/ARCHITECTURE.md, "Data flow").
import {
  capWorkers,
  type RuntimeName,
  startTileWorkers,
  type UpscaleFileResult,
  upscaleFileWithBandStats,
} from '@hsrkit/inference/node';
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

export interface AnyBandUpscaleFileOptions extends AnyBandFileRunOptions, AnyBandThreadOptions {
  /** The any-band model folder (model.json + any-band.json). */
  modelPath: string;
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
  // On threads each worker loads the model: here only its scale is needed.
  if (capWorkers(opts.workers ?? 1).workers > 1) {
    const { scale } = await readAnyBandConfig(opts.modelPath);
    return upscaleOnThreads(scale, opts.modelPath, input, output, opts);
  }
  const model = await loadAnyBandModel(opts.modelPath);
  try {
    return await upscaleFileWithAnyBandModel(model, input, output, opts);
  } finally {
    model.dispose();
  }
}

/**
 * `upscaleFileWithAnyBand` with a model already loaded (a queue worker keeps one per model). With
 * `workers` > 1 the threads load the model from `modelPath`, its folder.
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
  return upscaleOnThreads(model.scale, opts.modelPath, input, output, opts);
}

/** The file path on `opts.workers` threads, each loading the model at `modelPath` and getting this
 * input's band statistics. */
function upscaleOnThreads(
  scale: number,
  modelPath: string,
  input: string,
  output: string,
  opts: AnyBandFileRunOptions & AnyBandThreadOptions,
): Promise<AnyBandUpscaleFileResult> {
  const workers = capWorkers(opts.workers ?? 1).workers;
  return upscaleFileWithBandStats(input, output, {
    ...fileRunOptions(opts),
    model: {
      scale,
      async runnerFor(stats) {
        const pool = await startTileWorkers({
          modelPath,
          runnerModule: {
            module: workerModuleUrl(),
            data: {
              modelPath,
              stats: { mean: stats.mean, meanSquare: stats.meanSquare, count: stats.count },
              groupBatch: opts.groupBatch,
            } satisfies AnyBandWorkerData,
          },
          workers,
          runtime: opts.runtime,
        });
        opts.onWorkers?.(pool.devices);
        return { runner: pool.runner, concurrency: workers, close: () => pool.close() };
      },
    },
  });
}

function fileRunOptions(opts: AnyBandFileRunOptions) {
  return {
    scale: opts.scale,
    tile: opts.tile ?? ANY_BAND_FILE_TILE,
    overlap: opts.overlap,
    selfEnsemble: opts.selfEnsemble,
    signal: opts.signal,
    onProgress: opts.onProgress,
  };
}
