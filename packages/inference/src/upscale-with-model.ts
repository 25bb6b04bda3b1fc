import { loadModel } from './model-files.js';
import type { RuntimeName } from './runtime.js';
import { checkOutputPaths, cubeInfo } from '@hsrkit/hsi-data/node';
import { availableParallelism } from 'node:os';
import { modelScale } from './model-metadata.js';
import { workersForCube } from './tile-plan.js';
import { capWorkers, startTileRunner } from './tile-workers.js';
import { type UpscaleFileOptions, type UpscaleFileResult, upscaleFile } from './upscale-file.js';

export interface UpscaleWithModelOptions
  extends Omit<UpscaleFileOptions, 'runner' | 'model' | 'concurrency'> {
  /** Model folder or model.json (any TF.js LayersModel). */
  modelPath: string;
  /**
   * Worker threads, each with its own backend and copy of the model (default 1: this thread).
   * 'auto': as many as the cube's tiles keep busy (workersForCube), at most one per core.
   */
  workers?: number | 'auto';
  /** Runtime each worker starts (default wasm); with one worker the current backend runs. */
  runtime?: RuntimeName;
  /** Our WebAssembly kernels on wasm/cpu: Winograd convs and the fused sub-pixel tail (default true). */
  fastKernels?: boolean;
  /** Called once the workers run, with what each reported (nothing with one worker). */
  onWorkers?: (devices: string[]) => void;
  /** Called when `workers` is more than the machine's cores, with the count used instead. */
  onWorkersCapped?: (used: number, requested: number) => void;
  /** With workers 'auto': the count chosen and the tile passes it was chosen for. */
  onWorkersChosen?: (workers: number, tilePasses: number) => void;
}

/**
 * `upscaleFile` with a model read from disk: loads it, starts the tile runner (worker threads or
 * this thread), upscales `input` into `output` and stops the workers, also on failure or abort.
 */
export async function upscaleFileWithModel(
  input: string,
  output: string,
  opts: UpscaleWithModelOptions,
): Promise<UpscaleFileResult & { devices: string[] }> {
  const {
    modelPath,
    workers: requested = 1,
    runtime,
    fastKernels = true,
    onWorkers,
    onWorkersCapped,
    onWorkersChosen,
    ...rest
  } = opts;
  // Before the model is even loaded: an output that would overwrite the input is refused.
  await checkOutputPaths(output, [input]);
  // A header that lies fails here, before the model loads.
  const info = await cubeInfo(input, rest.read ?? {});
  let workers = 1;
  if (requested !== 'auto') {
    const cap = capWorkers(requested);
    workers = cap.workers;
    if (cap.capped) onWorkersCapped?.(workers, requested);
  }
  const model = await loadModel(modelPath);
  try {
    if (requested === 'auto') {
      const chosen = workersForCube(info.rows, info.cols, {
        maxWorkers: availableParallelism(),
        tile: rest.tile,
        overlap: rest.overlap,
        bands: info.bands,
        scale: modelScale(model),
        selfEnsemble: rest.selfEnsemble,
      });
      workers = chosen.workers;
      onWorkersChosen?.(workers, chosen.tilePasses);
    }
    const pool = await startTileRunner(model, {
      modelPath,
      runtime,
      workers,
      winogradConv: fastKernels,
      fusedTail: fastKernels,
    });
    try {
      if (pool.devices.length) onWorkers?.(pool.devices);
      const result = await upscaleFile(input, output, {
        ...rest,
        model,
        runner: pool.runner,
        concurrency: workers,
      });
      return { ...result, devices: pool.devices };
    } finally {
      await pool.close();
    }
  } finally {
    model.dispose();
  }
}
