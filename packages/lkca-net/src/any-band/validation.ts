import * as tf from '@tensorflow/tfjs';
import { bicubicUpsample, computeMetrics } from '@hsrkit/hsi-data';
import type { AnyBandSR } from './any-band-model.js';
import type { AnyBandTrainScene } from './patch-sampler.js';

/** One whole crop scored: the model beside MATLAB bicubic, sspsr metrics after dividing by the HR peak. */
export interface AnyBandSceneScore {
  id: string;
  mpsnr: number;
  sam: number;
  bicubicMpsnr: number;
  bicubicSam: number;
}

/** Bicubic's scores per crop id: they do not change while a model trains. */
export type BicubicScoreCache = Map<string, { mpsnr: number; sam: number }>;

/**
 * Scores the whole pipeline (grouping, per-input normalisation, fusion) on a whole crop: its LR
 * super-resolved by `model` against its HR, beside bicubic of the same LR.
 */
export async function scoreAnyBandScene(
  model: AnyBandSR,
  scene: AnyBandTrainScene,
  bicubicCache: BicubicScoreCache = new Map(),
): Promise<AnyBandSceneScore> {
  const s = model.scale;
  const { rows, cols, bands, id } = scene;
  let peak = 0;
  for (const v of scene.hr) if (v > peak) peak = v;
  if (!(peak > 0)) peak = 1;
  const gt = tf.tidy(() => tf.div(tf.tensor3d(scene.hr, [rows, cols, bands]), peak) as tf.Tensor3D);
  const lr = tf.tensor3d(scene.lr, [rows / s, cols / s, bands]);
  try {
    let bic = bicubicCache.get(id);
    if (!bic) {
      const up = tf.tidy(() => tf.div(bicubicUpsample(lr, s), peak) as tf.Tensor3D);
      const m = await computeMetrics(gt, up, { preset: 'sspsr', scale: s });
      up.dispose();
      bic = { mpsnr: m.mpsnr, sam: m.sam };
      bicubicCache.set(id, bic);
    }
    const sr = tf.tidy(
      () => tf.div(model.superResolveTensor(lr, { moments: scene.lrMoments }), peak) as tf.Tensor3D,
    );
    const m = await computeMetrics(gt, sr, { preset: 'sspsr', scale: s });
    sr.dispose();
    return { id, mpsnr: m.mpsnr, sam: m.sam, bicubicMpsnr: bic.mpsnr, bicubicSam: bic.sam };
  } finally {
    gt.dispose();
    lr.dispose();
  }
}

/**
 * The validation score: mean dB gained over bicubic minus mean degrees of spectral angle lost to
 * it. Both must improve for the score to rise, so the best checkpoint is not one that trades
 * spectra for PSNR.
 */
export function anyBandValidationScore(scores: readonly AnyBandSceneScore[]): number {
  if (!scores.length) return Number.NaN;
  return (
    scores.reduce((a, s) => a + (s.mpsnr - s.bicubicMpsnr) - (s.sam - s.bicubicSam), 0) /
    scores.length
  );
}
