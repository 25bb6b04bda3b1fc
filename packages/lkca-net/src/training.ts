import type * as tf from '@tensorflow/tfjs';
import {
  type Batch,
  epochSource,
  hsiMetrics,
  type ProgressEvent,
  type TrainResult,
  train,
} from '@hsrkit/distill/node';
import {
  type Cube,
  cropCube,
  type DegradeOptions,
  inMemorySource,
  type NormalizationRecord,
  normalize,
  type NormalizeSpec,
  PatchDataset,
  type Region,
  splitTrainTest,
  toInterleave,
} from '@hsrkit/hsi-data/node';
import { LKCA_LAYER_NAMES, type LkcaNetConfig, lkcaNet } from './model.js';
import { withSeededInit } from './seeded-init.js';
import { readModelMetadata, withModelMetadata } from '@hsrkit/inference';

export interface SceneTrainingOptions {
  /** Training scenes (already read); all must have the model's band count. */
  scenes: Cube[];
  scale: number;
  /** The student to train; default: lkcaNet({bands, scale, ...model}). */
  student?: tf.LayersModel;
  model?: Omit<LkcaNetConfig, 'bands' | 'scale'>;
  /** A trained teacher: distillation on the features F (and the output loss), as the design says. */
  teacher?: tf.LayersModel;
  /** Feature taps (layer names in both models); default the features fed to the upsampler. */
  taps?: string[];
  /** Weight of the teacher's feature terms (default 0.1: on the demo scene alpha 1 made the
   * student worse than training alone, 0.1 made it better; bench/results/distillation.json). */
  alpha?: number;
  decay?: Parameters<typeof train>[0]['decay'];
  /** Optimizer steps; required unless `minutes` is given (then the budget ends the run). */
  steps?: number;
  /** Wall-clock budget: the LR schedule runs over it (distill's `minutes`). */
  minutes?: number;
  /** Batch size (default: chosen with the patch, see choosePatchAndBatch). */
  batchSize?: number;
  /** HR patch side, a multiple of scale (default: the largest that fits, see choosePatchAndBatch). */
  patchSize?: number;
  /** Weights of the output-level spectral terms next to L1 (distill's outputSam and
   * outputSpectralGradient; default 1 and 1). */
  spectralLoss?: { sam?: number; spectralGradient?: number };
  /** Called once before training with the patch and batch in use and why. */
  onChoice?: (c: PatchAndBatch) => void;
  stride?: number;
  /** Degradation beyond MATLAB bicubic x1/s (Gaussian blur before it, noise after it), applied to
   * the training and the validation patches alike; default none (plain bicubic). */
  degradation?: Omit<DegradeOptions, 'scale'>;
  lr?: number;
  seed?: number;
  /** A region of the first scene held out from training (patches never touch it), used for validation. */
  holdOut?: Region;
  /** Whole scenes (same bands) never trained on, validated like the held-out region: e.g. crops
   * held out whole. Validation only reports; the model returned is the last step's. */
  validationScenes?: Cube[];
  validateEvery?: number;
  /** Normalisation fitted on the training scenes and stored in the model (default global max). */
  normalization?: NormalizeSpec;
  checkpointDir?: string;
  checkpointEvery?: number;
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void | Promise<void>;
  /** Training kernels (distill's `kernels`): 'fastest' (default; on wasm @hsrkit/layers' own) or 'tfjs'. */
  kernels?: 'fastest' | 'tfjs';
}

export interface SceneTrainingResult {
  model: tf.LayersModel;
  normalization: NormalizationRecord;
  result: TrainResult;
  /** Validation MPSNR (dB) at the end, on the held-out region, when one was given. */
  finalValidation?: Record<string, number>;
}

/** A float32 copy of the cube whose `region` samples are its no-data value (statistics skip them). */
function maskRegion(cube: Cube, region?: Region): Cube {
  if (!region) return cube;
  const bip = toInterleave(cube, 'bip');
  const data = Float32Array.from(bip.data);
  const noData = cube.noDataValue ?? -3.0e38;
  for (let r = region.row; r < region.row + region.rows; r++)
    data.fill(
      noData,
      (r * cube.cols + region.col) * cube.bands,
      (r * cube.cols + region.col + region.cols) * cube.bands,
    );
  return { ...bip, data, noDataValue: noData };
}

function trainPositions(cube: Cube, holdOut: Region, patchSize: number, stride: number) {
  return splitTrainTest(
    cube.rows,
    cube.cols,
    { by: 'region', test: holdOut },
    { patchSize, stride },
  ).train;
}

export interface PatchAndBatch {
  patchSize: number;
  batchSize: number;
  /** Stride of the patch grid, HR pixels. */
  stride: number;
  /** Patches one epoch of the training scenes holds at this size and stride. */
  patches: number;
  reason: string;
}

/** HR patch sides tried, as multiples of the scale: 16s (64 at x4) down to 4s. */
const PATCH_FACTORS = [16, 12, 8, 6, 4];
const DEFAULT_BATCH = 8;

/**
 * The patch, stride and batch of a run: the given ones (checked), or the largest patch (16 x scale
 * down to 4 x scale) whose training patches (hold-out excluded) fill 2 batches at half-patch
 * stride, else at quarter-patch stride (overlapping patches; augmentation varies them), else one
 * batch, else one batch of all there are (>= 2). Throws a RangeError saying what is too small.
 */
export function choosePatchAndBatch(
  scenes: Cube[],
  scale: number,
  opts: Pick<SceneTrainingOptions, 'patchSize' | 'batchSize' | 'stride' | 'holdOut'>,
): PatchAndBatch {
  const count = (p: number, stride: number) =>
    scenes.reduce((n, cube, i) => {
      if (cube.rows < p || cube.cols < p) return n;
      if (i === 0 && opts.holdOut) return n + trainPositions(cube, opts.holdOut, p, stride).length;
      return (
        n + (Math.floor((cube.rows - p) / stride) + 1) * (Math.floor((cube.cols - p) / stride) + 1)
      );
    }, 0);
  const strides = (p: number) =>
    opts.stride !== undefined
      ? [opts.stride]
      : [p / 2, Math.max(scale, Math.floor(p / 4 / scale) * scale)];
  const first = scenes[0];
  const usable = `${first.rows} x ${first.cols}${opts.holdOut ? ` minus the ${opts.holdOut.rows} x ${opts.holdOut.cols} hold-out` : ''}`;
  if (opts.patchSize !== undefined) {
    if (opts.patchSize % scale !== 0)
      throw new RangeError(`patchSize ${opts.patchSize} is not a multiple of the scale ${scale}`);
    const stride = opts.stride ?? opts.patchSize / 2;
    const n = count(opts.patchSize, stride);
    const batchSize = opts.batchSize ?? Math.min(DEFAULT_BATCH, n);
    if (n < batchSize || n === 0)
      throw new RangeError(
        `a ${opts.patchSize}-pixel patch gives ${n} training patches in ${usable} (need a batch of ${batchSize}): give a smaller --patch or --batch`,
      );
    return { patchSize: opts.patchSize, batchSize, stride, patches: n, reason: 'as given' };
  }
  const want = opts.batchSize ?? DEFAULT_BATCH;
  for (const batches of [2, 1])
    for (const f of PATCH_FACTORS)
      for (const stride of strides(f * scale)) {
        const n = count(f * scale, stride);
        if (n >= batches * want)
          return {
            patchSize: f * scale,
            batchSize: want,
            stride,
            patches: n,
            reason:
              f === PATCH_FACTORS[0] && stride === (f * scale) / 2
                ? 'the largest patch'
                : `the largest patch giving ${batches === 2 ? '2 batches' : 'a batch'} of ${want} in ${usable}, stride ${stride}`,
          };
      }
  const p = PATCH_FACTORS[PATCH_FACTORS.length - 1] * scale;
  const stride = strides(p)[strides(p).length - 1];
  const n = count(p, stride);
  if (n >= 2 && opts.batchSize === undefined)
    return {
      patchSize: p,
      batchSize: n,
      stride,
      patches: n,
      reason: `${usable} holds only ${n} patches of ${p} pixels: one batch of them all`,
    };
  throw new RangeError(
    `${usable} is too small to train on: ${n} patches of the smallest size, ${p} x ${p} (need ${opts.batchSize ?? 2})`,
  );
}

/** Interleaves several resumable sources: global step t reads source t % n at its step floor(t / n). */
function roundRobin(sources: { fromStep(step: number): AsyncIterator<Batch> }[]) {
  const n = sources.length;
  return {
    async *fromStep(step: number) {
      const its = sources.map((s, i) => s.fromStep(Math.max(0, Math.ceil((step - i) / n))));
      try {
        for (let t = step; ; t++) {
          const r = await its[t % n].next();
          if (r.done) return;
          yield r.value;
        }
      } finally {
        for (const it of its) await it.return?.(undefined);
      }
    },
  };
}

/**
 * Trains an LKCA-Net (or any SR LayersModel) on patches of real scenes, SSPSR protocol: HR patches,
 * LR by MATLAB bicubic, dihedral augmentation, seeded. With a teacher, the design's LKCA-KD loss.
 * The normalisation and scale are recorded in the model's metadata so inference can invert them.
 */
export async function trainOnScenes(opts: SceneTrainingOptions): Promise<SceneTrainingResult> {
  const { scenes, scale } = opts;
  if (!scenes.length) throw new RangeError('trainOnScenes: no scenes');
  const bands = scenes[0].bands;
  for (const s of scenes)
    if (s.bands !== bands)
      throw new RangeError(`trainOnScenes: scenes have ${bands} and ${s.bands} bands`);
  const choice = choosePatchAndBatch(scenes, scale, opts);
  opts.onChoice?.(choice);
  const { patchSize, batchSize, stride } = choice;
  const seed = opts.seed ?? 0;
  // Fit the normalisation on training data only: the held-out samples are marked no-data for the fit.
  const { record } = await normalize(
    maskRegion(scenes[0], opts.holdOut),
    opts.normalization ?? { method: 'global-max' },
  );
  const datasets = scenes.map((cube, i) => {
    const positions =
      i === 0 && opts.holdOut ? trainPositions(cube, opts.holdOut, patchSize, stride) : undefined;
    return new PatchDataset(inMemorySource(cube), {
      patchSize,
      scale,
      stride,
      positions,
      batchSize,
      augment: 'random',
      seed: seed + i,
      dropRemainder: true,
      normalization: record,
      degradation: opts.degradation,
    });
  });
  const sources = datasets.map((ds) =>
    epochSource({ batchesPerEpoch: ds.batchesPerEpoch, epoch: (e) => ds.batches({ epoch: e }) }),
  );
  const data = sources.length === 1 ? sources[0] : roundRobin(sources as never);
  let validation: Parameters<typeof train>[0]['validation'];
  let validationBatches: Batch[] = [];
  for (const v of opts.validationScenes ?? [])
    if (v.bands !== bands)
      throw new RangeError(
        `trainOnScenes: a validation scene has ${v.bands} bands, the training scenes ${bands}`,
      );
  const heldOut = [
    ...(opts.holdOut
      ? [
          cropCube('holdOut', scenes[0], {
            row: opts.holdOut.row,
            col: opts.holdOut.col,
            rows: opts.holdOut.rows,
            cols: opts.holdOut.cols,
          }),
        ]
      : []),
    ...(opts.validationScenes ?? []),
  ];
  if (heldOut.length) {
    // The held-out region / scenes, cut into patches, LR by bicubic: the same protocol as training.
    for (const region of heldOut) {
      const held = new PatchDataset(inMemorySource(region), {
        patchSize,
        scale,
        stride: patchSize,
        batchSize,
        augment: 'none',
        shuffle: false,
        normalization: record,
        degradation: opts.degradation,
      });
      for await (const b of held.batches({ epoch: 0 })) validationBatches.push(b);
    }
    validation = {
      data: validationBatches,
      every: opts.validateEvery ?? Math.max(1, Math.floor((opts.steps ?? 1000) / 10)),
      metrics: hsiMetrics({ scale }),
    };
  }
  // Weight init is seeded too: two runs with the same seed start from the same weights.
  const student =
    opts.student ?? withSeededInit(seed, () => lkcaNet({ bands, scale, ...opts.model }));
  try {
    const result = await train({
      student,
      teacher: opts.teacher,
      taps: opts.teacher ? (opts.taps ?? [LKCA_LAYER_NAMES.features]) : undefined,
      loss: {
        reconstruction: 'l1',
        outputSam: opts.spectralLoss?.sam ?? 1,
        outputSpectralGradient: opts.spectralLoss?.spectralGradient ?? 1,
        alpha: opts.alpha ?? 0.1,
        cosine: 1,
        sam: 1,
        gradient: 1,
      },
      decay: opts.decay ?? { type: 'cosine' },
      optimizer: { type: 'adam' },
      schedule: { type: 'cosine', lr: opts.lr ?? 1e-3 },
      clipNorm: 1,
      data,
      steps: opts.steps,
      minutes: opts.minutes,
      seed,
      validation,
      checkpoint: opts.checkpointDir
        ? { dir: opts.checkpointDir, every: opts.checkpointEvery ?? 100 }
        : undefined,
      resume: opts.resume || undefined,
      signal: opts.signal,
      onProgress: opts.onProgress,
      kernels: opts.kernels,
    });
    const last = result.validations[result.validations.length - 1];
    withModelMetadata(student, {
      scale,
      bands,
      normalization: record,
      training: {
        steps: result.step,
        minutes: opts.minutes ?? null,
        spectralLoss: opts.spectralLoss ?? { sam: 1, spectralGradient: 1 },
        patchSize,
        batchSize,
        seed,
        teacher: opts.teacher ? opts.teacher.name : null,
        degradation: opts.degradation ?? null,
        holdOut: opts.holdOut ?? null,
        validation: last?.metrics ?? null,
        previous: readModelMetadata(student).training ?? null,
      },
    });
    return {
      model: student,
      normalization: record,
      result,
      finalValidation: last?.metrics as Record<string, number> | undefined,
    };
  } finally {
    for (const b of validationBatches) (b as { dispose?: () => void }).dispose?.();
    validationBatches = [];
  }
}
