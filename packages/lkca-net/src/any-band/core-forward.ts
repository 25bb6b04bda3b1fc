import * as tf from '@tensorflow/tfjs';
import { bicubicResize } from '@hsrkit/layers';

/**
 * How the core's correction of bicubic is applied: 'additive' as LKCA-Net outputs it, or
 * 'relative': the correction is scaled per pixel by the pixel's brightness over the group's
 * mean, so dark pixels (water, shadow), whose spectral angle a small absolute error already
 * spoils, get proportionally small corrections (measured: README.md in this folder).
 */
export type ResidualMode = 'additive' | 'relative';

/** The 'relative' gain only damps: a gain above 1 on bright pixels amplified corrections learnt on
 * airborne scenes and cost spectral angle on CAVE's bright objects (README.md in this folder). */
const RELATIVE_MAX_GAIN = 1;
/** Default softening of the 'relative' gain, in units of the group's std. */
export const RELATIVE_SOFTENING = 0.1;

/**
 * The core on normalised groups `x` [n, h, w, G] -> [n, h*s, w*s, G], normalised. `shift`
 * [n, 1, 1, 1] is each group's mean over its std (adding it undoes the mean subtraction).
 */
export function coreForward(
  core: tf.LayersModel,
  x: tf.Tensor4D,
  shift: tf.Tensor4D,
  scale: number,
  mode: ResidualMode,
  training = false,
  /** Added to brightness and mean (in units of the group's std) so near-zero means stay finite. */
  softening = RELATIVE_SOFTENING,
): tf.Tensor4D {
  const y = (training ? core.apply(x, { training: true }) : core.predict(x)) as tf.Tensor4D;
  if (mode === 'additive') return y;
  return tf.tidy(() => {
    const bic = bicubicResize(x, { scale }) as tf.Tensor4D;
    const bright = tf.relu(tf.add(tf.mean(bic, -1, true), shift));
    const gain = tf.clipByValue(
      tf.div(tf.add(bright, softening), tf.add(tf.relu(shift), softening)),
      0,
      RELATIVE_MAX_GAIN,
    );
    return tf.add(bic, tf.mul(tf.sub(y, bic), gain)) as tf.Tensor4D;
  });
}
