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
  toBipCube,
} from '@hsrkit/hsi-data';
import {
  fusedTileRunner,
  MemorySink,
  memorySource,
  modelBands,
  modelScale,
  readModelMetadata,
  selfEnsemble,
  type TileRunner,
  UpscaleInputError,
  upscaleTiled,
} from '@hsrkit/inference';
import { AnyBandChain } from './any-band/any-band-chain.js';
import { AnyBandSR } from './any-band/any-band-model.js';
import { cubeMax } from './data-range.js';

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
 * (tiled) and bicubic x s reconstruct it, both scored against the ground truth. `model` is a
 * band-specific TF.js model, an any-band model (src/any-band/), which takes any band count, or a
 * chain of them (AnyBandChain, e.g. the x8 cascade).
 */
export async function evaluateScene(
  model: tf.LayersModel | AnyBandSR | AnyBandChain,
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
    /** The geometric self-ensemble (src/self-ensemble.ts): 8 passes averaged. Default false. */
    selfEnsemble?: boolean;
  } = {},
): Promise<SceneEvaluation> {
  const anyBand = model instanceof AnyBandSR || model instanceof AnyBandChain;
  const scale = anyBand ? model.scale : modelScale(model);
  if (opts.scale && opts.scale !== scale)
    throw new UpscaleInputError(`the model upscales x${scale}, not x${opts.scale}`);
  if (!anyBand && modelBands(model) !== hr.bands)
    throw new UpscaleInputError(
      `the scene has ${hr.bands} bands, the model takes ${modelBands(model as tf.LayersModel)}`,
    );
  const rows = hr.rows - (hr.rows % scale);
  const cols = hr.cols - (hr.cols % scale);
  const gt = toBipCube(cropCube('evaluateScene', hr, { row: 0, col: 0, rows, cols }));
  const lr = toBipCube(downsampleCube(gt, scale));
  const bicT = tf.tidy(() =>
    bicubicUpsample(tf.tensor3d(lr.data as Float32Array, [lr.rows, lr.cols, lr.bands]), scale),
  );
  const bicubic: Cube = { ...gt, data: new Float32Array(await bicT.data()) };
  bicT.dispose();
  const peak = cubeMax(gt);
  const mopts = { preset: opts.preset ?? 'sspsr', scale, dataRange: peak > 0 ? peak : 1 } as const;
  const bicubicMetrics = await computeMetrics(gt, bicubic, mopts);
  if (anyBand) {
    // Its own tiling and per-input normalisation; output in the input's units.
    const t0 = performance.now();
    const out = await model.predict(lr, { selfEnsemble: opts.selfEnsemble });
    const modelMs = performance.now() - t0;
    const sr: Cube = { ...gt, data: out.data };
    const metrics = await computeMetrics(gt, sr, mopts);
    return { gt, lr, bicubic, sr, scale, metrics, bicubicMetrics, modelMs };
  }
  const record = readModelMetadata(model).normalization;
  const lrModel = record ? toBipCube(applyNormalization(lr, record)) : lr;
  // By default the sub-pixel tail runs fused on wasm/cpu (the model as it is elsewhere).
  const runner = opts.runner ?? (await fusedTileRunner(model)).runner;
  const pass = async (x: Float32Array, r: number, c: number, progress = opts.onProgress) => {
    const sink = new MemorySink(r * scale, c * scale, gt.bands);
    await upscaleTiled(memorySource(x, r, c, lr.bands), runner, sink, {
      scale,
      tile: opts.tile ?? 64,
      overlap: opts.overlap ?? 16,
      concurrency: opts.concurrency,
      onProgress: progress,
      signal: opts.signal,
    });
    return sink.data;
  };
  const t0 = performance.now();
  const x = lrModel.data as Float32Array;
  const srData = opts.selfEnsemble
    ? await selfEnsemble(
        x,
        lr.rows,
        lr.cols,
        lr.bands,
        scale,
        (y, r, c) => pass(y, r, c, undefined),
        {
          signal: opts.signal,
          onProgress: opts.onProgress,
        },
      )
    : await pass(x, lr.rows, lr.cols);
  const modelMs = performance.now() - t0;
  let sr: Cube = { ...gt, data: srData };
  if (record) sr = toBipCube(denormalize(sr, record));
  const metrics = await computeMetrics(gt, sr, mopts);
  return { gt, lr, bicubic, sr, scale, metrics, bicubicMetrics, modelMs };
}
