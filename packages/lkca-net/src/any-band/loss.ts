import { l1Loss, spectralChordLoss, spectralGradientLoss } from '@hsrkit/distill';
import * as tf from '@tensorflow/tfjs';

export interface AnyBandLossWeights {
  /** Weight of the L1 of the band-to-band differences (spectral gradient); default 1. */
  spectralGradient?: number;
  /** Weight of the spectral-angle term (chord form); default 4. */
  sam?: number;
}

/**
 * The any-band training loss on normalised groups: L1 + spectralGradient * L1 of the spectral
 * differences + sam * the spectral angle between predicted and true spectra, taken in the input's
 * units (adding `shift` [n, 1, 1, 1] undoes the mean subtraction, up to a positive factor) as the
 * chord |a/|a| - b/|b|| = 2 sin(angle / 2), smooth where acos is not. Without the angle term the
 * model gains MPSNR but loses SAM to bicubic (src/any-band/README.md).
 */
export function anyBandLoss(
  pred: tf.Tensor4D,
  y: tf.Tensor4D,
  shift: tf.Tensor4D,
  weights: AnyBandLossWeights = {},
): tf.Scalar {
  const wGrad = weights.spectralGradient ?? 1;
  const wSam = weights.sam ?? 4;
  return tf.tidy(() => {
    let loss = l1Loss(pred, y);
    if (wGrad > 0 && pred.shape[3] > 1)
      loss = tf.add(loss, tf.mul(wGrad, spectralGradientLoss(pred, y))) as tf.Scalar;
    if (wSam > 0)
      loss = tf.add(
        loss,
        tf.mul(wSam, spectralChordLoss(tf.add(pred, shift), tf.add(y, shift))),
      ) as tf.Scalar;
    return loss;
  });
}
