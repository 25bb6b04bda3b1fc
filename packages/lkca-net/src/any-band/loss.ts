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
    let loss = tf.mean(tf.abs(tf.sub(pred, y))) as tf.Scalar;
    const g = pred.shape[3];
    if (wGrad > 0 && g > 1) {
      const d = (t: tf.Tensor4D) => {
        const [n, h, w] = t.shape;
        return tf.sub(
          tf.slice(t, [0, 0, 0, 1], [n, h, w, g - 1]),
          tf.slice(t, [0, 0, 0, 0], [n, h, w, g - 1]),
        );
      };
      loss = tf.add(loss, tf.mul(wGrad, tf.mean(tf.abs(tf.sub(d(pred), d(y)))))) as tf.Scalar;
    }
    if (wSam > 0) {
      const unit = (t: tf.Tensor) =>
        tf.div(t, tf.sqrt(tf.add(tf.sum(tf.square(t), -1, true), 1e-12)));
      const chord = tf.sqrt(
        tf.add(
          tf.sum(tf.square(tf.sub(unit(tf.add(pred, shift)), unit(tf.add(y, shift)))), -1),
          1e-12,
        ),
      );
      loss = tf.add(loss, tf.mul(wSam, tf.mean(chord))) as tf.Scalar;
    }
    return loss;
  });
}
