import * as tf from '@tensorflow/tfjs';
import {
  applyNormalization,
  bicubicUpsample,
  type Cube,
  computeMetrics,
  cropCube,
  denormalize,
  downsampleCube,
  type MetricPreset,
  type MetricReport,
} from '@hsrkit/hsi-data/node';
import { float32Bip } from './cube-float.js';
import { modelBands, readModelMetadata } from './model-metadata.js';
import { fusedTileRunner } from './fused-tail-runner.js';
import { MemorySink, memorySource, type TileRunner, upscaleTiled } from './tiled-inference.js';
import { modelScale, UpscaleInputError } from './upscale-file.js';

export interface SceneEvaluation {
  /** Ground truth (cropped to a multiple of the scale), LR input, bicubic and model outputs: float32 BIP, input units. */
  gt: Cube;
  lr: Cube;
  bicubic: Cube;
  sr: Cube;
  scale: number;
  /** Metrics of the model and of bicubic against the ground truth, data range = the GT's peak. */
  metrics: MetricReport;
  bicubicMetrics: MetricReport;
  /** Wall time of the model on the whole scene (tiles included), ms. */
  modelMs: number;
}

/**
 * The SR benchmark protocol on one scene: LR = MATLAB bicubic x1/s of the ground truth, the model
 * (tiled) and bicubic x s reconstruct it, both scored against the ground truth.
 */
export async function evaluateScene(
  model: tf.LayersModel,
  hr: Cube,
  opts: {
    scale?: number;
    preset?: MetricPreset;
    runner?: TileRunner;
    tile?: number;
    overlap?: number;
    concurrency?: number;
    onProgress?: (d: number, t: number) => void;
    signal?: AbortSignal;
  } = {},
): Promise<SceneEvaluation> {
  const scale = modelScale(model);
  if (opts.scale && opts.scale !== scale)
    throw new UpscaleInputError(`the model upscales x${scale}, not x${opts.scale}`);
  if (modelBands(model) !== hr.bands)
    throw new UpscaleInputError(
      `the scene has ${hr.bands} bands, the model takes ${modelBands(model)}`,
    );
  const rows = hr.rows - (hr.rows % scale);
  const cols = hr.cols - (hr.cols % scale);
  const gt = float32Bip(cropCube('evaluateScene', hr, { row: 0, col: 0, rows, cols }));
  const lr = float32Bip(downsampleCube(gt, scale));
  const bicT = tf.tidy(() =>
    bicubicUpsample(tf.tensor3d(lr.data as Float32Array, [lr.rows, lr.cols, lr.bands]), scale),
  );
  const bicubic: Cube = { ...gt, data: new Float32Array(await bicT.data()) };
  bicT.dispose();
  const record = readModelMetadata(model).normalization;
  const lrModel = record ? float32Bip(applyNormalization(lr, record)) : lr;
  const sink = new MemorySink(rows, cols, gt.bands);
  // By default the sub-pixel tail runs fused on wasm/cpu (the model as it is elsewhere).
  const runner = opts.runner ?? (await fusedTileRunner(model)).runner;
  const t0 = performance.now();
  await upscaleTiled(
    memorySource(lrModel.data as Float32Array, lr.rows, lr.cols, lr.bands),
    runner,
    sink,
    {
      scale,
      tile: opts.tile ?? 64,
      overlap: opts.overlap ?? 16,
      concurrency: opts.concurrency,
      onProgress: opts.onProgress,
      signal: opts.signal,
    },
  );
  const modelMs = performance.now() - t0;
  let sr: Cube = { ...gt, data: sink.data };
  if (record) sr = float32Bip(denormalize(sr, record));
  let peak = 0;
  for (const v of gt.data) if (v > peak) peak = v;
  const mopts = { preset: opts.preset ?? 'sspsr', scale, dataRange: peak || 1 } as const;
  const metrics = await computeMetrics(gt, sr, mopts);
  const bicubicMetrics = await computeMetrics(gt, bicubic, mopts);
  return { gt, lr, bicubic, sr, scale, metrics, bicubicMetrics, modelMs };
}
