// Node-only: an any-band model file to file, on @hsrkit/inference's tiled file path
// (`upscaleFileWithBandStats`): a first pass measures the whole input's band moments, then windows
// are read tile by tile, run through the model in the input's units (src/any-band/tile-runner.ts),
// seams blended into a float32 accumulator on disk and renamed into place, so memory is bounded by
// a tile for ENVI output whatever the scene's size. Never over the input; map info scaled so the
// upper-left corner stays put (docs/ARCHITECTURE.md, "Data flow").
import { type UpscaleFileResult, upscaleFileWithBandStats } from '@hsrkit/inference/node';
import type { AnyBandSR } from './any-band-model.js';
import { loadAnyBandModel } from './io-node.js';
import { anyBandTileRunner } from './tile-runner.js';

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

export interface AnyBandUpscaleFileOptions extends AnyBandFileRunOptions {
  /** The any-band model folder (model.json + any-band.json). */
  modelPath: string;
}

export type AnyBandUpscaleFileResult = UpscaleFileResult;

/** Loads the any-band model at `opts.modelPath`, super-resolves `input` into `output`, frees it. */
export async function upscaleFileWithAnyBand(
  input: string,
  output: string,
  opts: AnyBandUpscaleFileOptions,
): Promise<AnyBandUpscaleFileResult> {
  const model = await loadAnyBandModel(opts.modelPath);
  try {
    return await upscaleFileWithAnyBandModel(model, input, output, opts);
  } finally {
    model.dispose();
  }
}

/** `upscaleFileWithAnyBand` with a model already loaded (a queue worker keeps one per model). */
export function upscaleFileWithAnyBandModel(
  model: AnyBandSR,
  input: string,
  output: string,
  opts: AnyBandFileRunOptions = {},
): Promise<AnyBandUpscaleFileResult> {
  return upscaleFileWithBandStats(input, output, {
    model: {
      scale: model.scale,
      runnerFor: (stats) => anyBandTileRunner(model, stats, { groupBatch: opts.groupBatch }),
    },
    scale: opts.scale,
    tile: opts.tile ?? ANY_BAND_FILE_TILE,
    overlap: opts.overlap,
    selfEnsemble: opts.selfEnsemble,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
}
