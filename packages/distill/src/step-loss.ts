import * as tf from '@tensorflow/tfjs';
import {
  cosineAlignmentLoss,
  gradientLoss,
  l1Loss,
  l2Loss,
  spectralAngleLoss,
  spectralChordLoss,
  spectralGradientLoss,
} from './losses.js';
import type { LossWeights, ResolvedTap } from './resolve-options.js';

/** The total loss of a step and its unweighted terms (each summed over taps with tap weights). */
export interface StepLossTerms {
  total: tf.Scalar;
  reconstruction: tf.Scalar;
  /** The output-level spectral terms, already weighted (0 when their weights are 0). */
  spectral: tf.Scalar;
  cosine: tf.Scalar;
  sam: tf.Scalar;
  gradient: tf.Scalar;
}

/**
 * Loss = wRec * Rec(pred, hr) + outputSam * chord(pred, hr) + outputSpectralGradient *
 *        |d_band pred - d_band hr| + alpha * D(t) * sum over taps of
 *        weight * (cosine * (1 - cos) + sam * SAM + gradient * |grad_s - grad_t|),
 * from the student's tapped outputs `[pred, ...features]`. Adapters (null: none) map each
 * student feature to the teacher's width. Runs inside the gradient tape: it only builds ops.
 */
export function stepLoss(
  studentOuts: readonly tf.Tensor[],
  hr: tf.Tensor,
  teacherFeats: readonly tf.Tensor[],
  taps: readonly ResolvedTap[],
  adapters: readonly (tf.LayersModel | null)[],
  w: LossWeights,
  decay: number,
): StepLossTerms {
  const pred = studentOuts[0];
  const reconstruction = w.reconstruction === 'l1' ? l1Loss(pred, hr) : l2Loss(pred, hr);
  // Output-level spectral terms, weighted (they compare with the HR target, teacher or not).
  let spectral = tf.scalar(0);
  if (w.outputSam !== 0)
    spectral = tf.add(spectral, tf.mul(spectralChordLoss(pred, hr), w.outputSam)) as tf.Scalar;
  if (w.outputSpectralGradient !== 0)
    spectral = tf.add(
      spectral,
      tf.mul(spectralGradientLoss(pred, hr), w.outputSpectralGradient),
    ) as tf.Scalar;
  let cosine = tf.scalar(0);
  let sam = tf.scalar(0);
  let gradient = tf.scalar(0);
  taps.forEach((tap, i) => {
    const a = adapters[i];
    const sf = a
      ? (a.apply(studentOuts[1 + i], { training: true }) as tf.Tensor)
      : studentOuts[1 + i];
    const tfeat = teacherFeats[i];
    if (w.cosine !== 0) cosine = tf.add(cosine, tf.mul(cosineAlignmentLoss(sf, tfeat), tap.weight));
    if (w.sam !== 0) sam = tf.add(sam, tf.mul(spectralAngleLoss(sf, tfeat), tap.weight));
    if (w.gradient !== 0)
      gradient = tf.add(
        gradient,
        tf.mul(gradientLoss(sf as tf.Tensor4D, tfeat as tf.Tensor4D), tap.weight),
      );
  });
  const align = tf.addN([
    tf.mul(cosine, w.cosine),
    tf.mul(sam, w.sam),
    tf.mul(gradient, w.gradient),
  ]);
  const total = tf.addN([
    tf.mul(reconstruction, w.reconstructionWeight),
    spectral,
    tf.mul(align, w.alpha * decay),
  ]) as tf.Scalar;
  return { total, reconstruction, spectral, cosine, sam, gradient };
}
