// Node-only: `lkca train --arch any-band` — fine-tune (or train from scratch) an any-band model on
// the user's cube files, with the patch/batch chosen to fit, a hold-out strip for validation and
// resumable checkpoints (src/any-band/train.ts does the training).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Cube, cropCube, type ReadCubeOptions, readCube } from '@hsrkit/hsi-data/node';
import { AnyBandSR } from './any-band-model.js';
import { rescaledAnyBandModel } from './rescale-init.js';
import { loadAnyBandCheckpoint, saveAnyBandCheckpoint } from './checkpoint-node.js';
import { AnyBandConfigError } from './errors.js';
import { loadAnyBandModel } from './io-node.js';
import { type AnyBandTrainScene, prepareAnyBandScene } from './patch-sampler.js';
import {
  type AnyBandProgress,
  type AnyBandTrainingOptions,
  type AnyBandTrainingResult,
  trainAnyBand,
} from './train.js';

/** LR patch sides tried, largest first (x4: 64, 48, 32 HR pixels). */
const PATCH_CHOICES = [16, 12, 8] as const;
/** Batch of the largest patch; smaller patches get more items, about the same pixels per step. */
const BASE_BATCH = 16;

export interface PatchChoice {
  patch: number;
  batch: number;
  /** Why, in words, for the run's log. */
  reason: string;
}

/**
 * The largest LR patch (16, 12 or 8) that fits every training scene, with a batch that keeps the
 * pixels per step about constant; a given patch or batch is kept (and checked). Throws a typed
 * error naming the scene when nothing fits.
 */
export function chooseAnyBandPatch(
  scenes: readonly Pick<AnyBandTrainScene, 'id' | 'rows' | 'cols' | 'lrRowLimit'>[],
  scale: number,
  given: { patch?: number; batch?: number } = {},
): PatchChoice {
  const fits = (p: number) => scenes.every((s) => s.lrRowLimit >= p && s.cols / scale >= p);
  const smallest = scenes.reduce((a, s) =>
    Math.min(a.lrRowLimit, a.cols / scale) <= Math.min(s.lrRowLimit, s.cols / scale) ? a : s,
  );
  let patch: number;
  let reason: string;
  if (given.patch !== undefined) {
    if (given.patch % scale !== 0)
      throw new AnyBandConfigError(
        'patch',
        `${given.patch} HR pixels is not a multiple of the scale ${scale}`,
      );
    patch = given.patch / scale;
    if (!fits(patch))
      throw new AnyBandConfigError(
        'patch',
        `a ${given.patch}-pixel patch does not fit scene ${smallest.id} (${smallest.lrRowLimit * scale} x ${smallest.cols} HR usable)`,
      );
    reason = 'as given';
  } else {
    const p = PATCH_CHOICES.find(fits);
    if (p === undefined)
      throw new AnyBandConfigError(
        `data.${smallest.id}`,
        `${smallest.lrRowLimit * scale} x ${smallest.cols} HR pixels usable for training: the smallest patch is ${PATCH_CHOICES[PATCH_CHOICES.length - 1] * scale} x ${PATCH_CHOICES[PATCH_CHOICES.length - 1] * scale}`,
      );
    patch = p;
    reason =
      p === PATCH_CHOICES[0]
        ? 'the largest patch'
        : `the largest patch that fits ${smallest.id} (${smallest.lrRowLimit * scale} x ${smallest.cols} HR usable)`;
  }
  const batch = given.batch ?? Math.round((BASE_BATCH * PATCH_CHOICES[0] ** 2) / patch ** 2);
  return { patch, batch, reason };
}

/**
 * The validation strip `lkca train` holds out by default: a fifth of the columns (a multiple of
 * the scale, at least 4 LR pixels), when the rest is still as wide as the largest patch; else 0.
 * Measured (bench/results/train-minutes.md): fine-tuning on a small scene without it can end
 * below the model it started from; with it the best weights, the start included, are kept.
 */
export function autoHoldOut(cols: number, scale: number): number {
  const n = Math.max(4 * scale, Math.round(cols / 5 / scale) * scale);
  return cols - n >= PATCH_CHOICES[0] * scale ? n : 0;
}

export interface AnyBandFileTrainingOptions
  extends Omit<
    AnyBandTrainingOptions,
    'model' | 'scenes' | 'validation' | 'patch' | 'batch' | 'resume' | 'checkpoint' | 'onBest'
  > {
  /** Cube files (any band counts, each >= the group size); non-finite samples are read as 0. */
  dataFiles: string[];
  scale: number;
  /** Start from this model folder (fine-tuning); without it, a fresh seeded model. A model of
   * another scale gives the new model its core weights but the upsampler (rescaledAnyBandModel). */
  initPath?: string;
  /** Called when `initPath` had another scale: how many core weights it gave. */
  onInit?: (e: { from: string; fromScale: number; copied: number; total: number }) => void;
  /**
   * Keep the last n HR columns of the first file out of training; they validate and the best
   * weights (the starting ones included) are kept. 'auto' (default): about a fifth of the columns
   * when the rest still fits the smallest patch; 0: none (the last weights are kept).
   */
  holdOutCols?: number | 'auto';
  /** HR patch side (default: chosen to fit) and batch (default: chosen with it). */
  patchSize?: number;
  batchSize?: number;
  checkpointDir?: string;
  resume?: boolean;
  /** Called once, before training, with the patch/batch choice. */
  onChoice?: (
    c: PatchChoice & { scenes: string[]; validation: string[]; holdOutCols: number },
  ) => void;
  onProgress?: (e: AnyBandProgress) => void;
  /** Which cube of each file where the file alone cannot say (an HDF5 dataset and band axis). */
  read?: Pick<ReadCubeOptions, 'dataset' | 'bandAxis' | 'variable'>;
}

export interface AnyBandFileTrainingResult extends AnyBandTrainingResult {
  model: AnyBandSR;
  choice: PatchChoice;
  /** The columns held out for validation (0: none). */
  holdOutCols: number;
}

/** Reads the files, splits the hold-out strip, picks patch/batch, and runs trainAnyBand. */
export async function trainAnyBandOnFiles(
  opts: AnyBandFileTrainingOptions,
): Promise<AnyBandFileTrainingResult> {
  const { dataFiles, scale } = opts;
  if (!dataFiles.length) throw new AnyBandConfigError('data', 'no training file');
  const cubes: { id: string; cube: Cube }[] = [];
  for (const f of dataFiles)
    cubes.push({ id: f, cube: await readCube(f, { ...opts.read, nonFinite: { fill: 0 } }) });
  const validation: AnyBandTrainScene[] = [];
  const holdOutCols =
    opts.holdOutCols === 'auto' || opts.holdOutCols === undefined
      ? autoHoldOut(cubes[0].cube.cols, scale)
      : opts.holdOutCols;
  if (holdOutCols) {
    const first = cubes[0];
    const keep = first.cube.cols - holdOutCols;
    if (keep < scale || holdOutCols < 2 * scale)
      throw new AnyBandConfigError(
        'holdOutCols',
        `${holdOutCols} of the ${first.cube.cols} columns of ${first.id}: leaves too little to train or to validate`,
      );
    validation.push(
      prepareAnyBandScene(
        `${first.id} (last ${holdOutCols} columns)`,
        '',
        cropCube(first.id, first.cube, {
          row: 0,
          col: keep,
          rows: first.cube.rows,
          cols: holdOutCols,
        }),
        scale,
      ),
    );
    first.cube = cropCube(first.id, first.cube, {
      row: 0,
      col: 0,
      rows: first.cube.rows,
      cols: keep,
    });
  }
  const scenes = cubes.map(({ id, cube }) => prepareAnyBandScene(id, '', cube, scale));
  const choice = chooseAnyBandPatch(scenes, scale, {
    patch: opts.patchSize,
    batch: opts.batchSize,
  });
  opts.onChoice?.({
    ...choice,
    holdOutCols,
    scenes: scenes.map((s) => `${s.id} ${s.rows}x${s.cols}x${s.bands}`),
    validation: validation.map((s) => `${s.id} ${s.rows}x${s.cols}x${s.bands}`),
  });

  const lastDir = opts.checkpointDir ? join(opts.checkpointDir, 'last') : undefined;
  const resumed =
    opts.resume && lastDir && existsSync(join(lastDir, 'state.json'))
      ? await loadAnyBandCheckpoint(lastDir)
      : null;
  if (opts.resume && !resumed)
    throw new AnyBandConfigError(
      'resume',
      `no checkpoint in ${opts.checkpointDir ?? '(none given)'}`,
    );
  let model =
    resumed?.model ??
    (opts.initPath
      ? await loadAnyBandModel(opts.initPath)
      : AnyBandSR.create({ scale, seed: opts.seed ?? 1, residual: 'relative', name: 'any-band' }));
  try {
    if (model.scale !== scale) {
      if (resumed)
        throw new AnyBandConfigError(
          'resume',
          `the checkpoint is a x${model.scale} model, not x${scale}`,
        );
      // Another scale: the same design at this one, every core weight but the upsampler's copied.
      const donor = model;
      const r = rescaledAnyBandModel(donor, scale, { seed: opts.seed ?? 1 });
      donor.dispose();
      model = r.model;
      opts.onInit?.({
        from: opts.initPath as string,
        fromScale: donor.scale,
        copied: r.copied,
        total: r.total,
      });
    }
    const res = await trainAnyBand({
      ...opts,
      model,
      scenes,
      validation,
      patch: choice.patch,
      batch: choice.batch,
      resume: resumed ? { state: resumed.state, optimizer: resumed.optimizer } : undefined,
      checkpoint: lastDir ? (snap) => saveAnyBandCheckpoint(lastDir, snap) : undefined,
    });
    return { ...res, model, choice, holdOutCols };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    for (const t of resumed?.optimizer ?? []) t.tensor.dispose();
  }
}
