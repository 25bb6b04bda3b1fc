import * as tf from '@tensorflow/tfjs';
import { DistillConfigError } from './errors.js';

function sameShape(fn: string, a: tf.Tensor, b: tf.Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]))
    throw new DistillConfigError(fn, `shapes differ: [${a.shape}] vs [${b.shape}]`);
}

/** Mean absolute error over all elements. */
export function l1Loss(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  sameShape('l1Loss', pred, target);
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(pred, target))) as tf.Scalar);
}

/** Mean squared error over all elements. */
export function l2Loss(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  sameShape('l2Loss', pred, target);
  return tf.tidy(() => tf.mean(tf.squaredDifference(pred, target)) as tf.Scalar);
}

/**
 * Per-pixel cosine of the angle between two feature vectors over the last (channel) axis.
 * The norms are sqrt(|v|^2 + eps), so a zero vector gives cos 0 and a finite gradient.
 */
export function channelCosine(a: tf.Tensor, b: tf.Tensor, eps = 1e-8): tf.Tensor {
  return tf.tidy(() => {
    const axis = a.rank - 1;
    const dot = tf.sum(tf.mul(a, b), axis);
    const na = tf.sqrt(tf.add(tf.sum(tf.square(a), axis), eps));
    const nb = tf.sqrt(tf.add(tf.sum(tf.square(b), axis), eps));
    return tf.div(dot, tf.mul(na, nb));
  });
}

/** Mean over pixels of (1 - cosine similarity) over channels. 0 when directions agree. */
export function cosineAlignmentLoss(
  student: tf.Tensor,
  teacher: tf.Tensor,
  opts: { eps?: number } = {},
): tf.Scalar {
  sameShape('cosineAlignmentLoss', student, teacher);
  return tf.tidy(
    () => tf.mean(tf.sub(1, channelCosine(student, teacher, opts.eps ?? 1e-8))) as tf.Scalar,
  );
}

/**
 * Mean over pixels of the spectral angle (radians) between the channel vectors. The cosine is
 * clipped to [-1 + clipEps, 1 - clipEps] before acos, whose derivative is infinite at +-1, so
 * identical or zero vectors still give finite gradients (zero where the clip is active).
 */
export function spectralAngleLoss(
  student: tf.Tensor,
  teacher: tf.Tensor,
  opts: { eps?: number; clipEps?: number } = {},
): tf.Scalar {
  sameShape('spectralAngleLoss', student, teacher);
  const clipEps = opts.clipEps ?? 1e-6;
  return tf.tidy(() => {
    const cos = channelCosine(student, teacher, opts.eps ?? 1e-8);
    return tf.mean(tf.acos(tf.clipByValue(cos, -1 + clipEps, 1 - clipEps))) as tf.Scalar;
  });
}

/**
 * Mean over pixels of the chord between unit spectra, |a/|a| - b/|b|| = 2 sin(angle / 2): the
 * spectral angle's monotone, smooth stand-in (acos has an infinite derivative where the angle is
 * 0, so a SAM loss on outputs that are already close to the target trains badly).
 */
export function spectralChordLoss(pred: tf.Tensor, target: tf.Tensor, eps = 1e-12): tf.Scalar {
  sameShape('spectralChordLoss', pred, target);
  return tf.tidy(() => {
    const axis = pred.rank - 1;
    const unit = (t: tf.Tensor) =>
      tf.div(t, tf.sqrt(tf.add(tf.sum(tf.square(t), axis, true), eps)));
    return tf.mean(
      tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(unit(pred), unit(target))), axis), eps)),
    ) as tf.Scalar;
  });
}

/** L1 of the band-to-band (last-axis) differences: the spectra's shape, not only their values. */
export function spectralGradientLoss(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  sameShape('spectralGradientLoss', pred, target);
  const c = pred.shape[pred.rank - 1];
  if (c < 2)
    throw new DistillConfigError(
      'spectralGradientLoss',
      `needs >= 2 channels, got [${pred.shape}]`,
    );
  return tf.tidy(() => {
    const d = (t: tf.Tensor) => {
      const begin = t.shape.map(() => 0);
      const size = t.shape.slice();
      size[size.length - 1] = c - 1;
      const next = begin.slice();
      next[next.length - 1] = 1;
      return tf.sub(tf.slice(t, next, size), tf.slice(t, begin, size));
    };
    return tf.mean(tf.abs(tf.sub(d(pred), d(target)))) as tf.Scalar;
  });
}

/** Forward differences of an NHWC tensor along height and width. */
export function spatialDifferences(x: tf.Tensor4D): { dy: tf.Tensor4D; dx: tf.Tensor4D } {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const dy = tf.sub(
      tf.slice(x, [0, 1, 0, 0], [n, h - 1, w, c]),
      tf.slice(x, [0, 0, 0, 0], [n, h - 1, w, c]),
    );
    const dx = tf.sub(
      tf.slice(x, [0, 0, 1, 0], [n, h, w - 1, c]),
      tf.slice(x, [0, 0, 0, 0], [n, h, w - 1, c]),
    );
    return { dy: dy as tf.Tensor4D, dx: dx as tf.Tensor4D };
  });
}

/**
 * L1 distance between the spatial gradients (forward differences along height and width) of two
 * NHWC feature maps: (mean|dy_s - dy_t| + mean|dx_s - dx_t|) / 2.
 */
export function gradientLoss(student: tf.Tensor4D, teacher: tf.Tensor4D): tf.Scalar {
  sameShape('gradientLoss', student, teacher);
  if (student.rank !== 4)
    throw new DistillConfigError('gradientLoss', `expected NHWC rank 4, got rank ${student.rank}`);
  if (student.shape[1] < 2 || student.shape[2] < 2)
    throw new DistillConfigError(
      'gradientLoss',
      `needs height and width >= 2, got [${student.shape}]`,
    );
  return tf.tidy(() => {
    const s = spatialDifferences(student);
    const t = spatialDifferences(teacher);
    const ly = tf.mean(tf.abs(tf.sub(s.dy, t.dy)));
    const lx = tf.mean(tf.abs(tf.sub(s.dx, t.dx)));
    return tf.mul(tf.add(ly, lx), 0.5) as tf.Scalar;
  });
}
