import { bicubicResize, imresizeWeights } from '@hsrkit/layers';
import * as tf from '@tensorflow/tfjs';
import type { Cube } from '../cube.js';
import { cubeToBip } from './cube-input.js';
import { HsiConfigError, HsiShapeError, shapeText } from '../errors.js';
import { seededNormal } from './random.js';

type Image = tf.Tensor3D | tf.Tensor4D;

export interface BlurOptions {
  /** Standard deviation in pixels (> 0). */
  sigma: number;
  /** Odd kernel side; default 2 * ceil(3 * sigma) + 1. */
  kernelSize?: number;
}

/** Gaussian noise: a fixed `sigma` (in data units) or an `snrDb` relative to the signal's power. */
export type NoiseOptions = { seed: number } & (
  | { sigma: number; snrDb?: never }
  | { snrDb: number; sigma?: never }
);

export interface DegradeOptions {
  /** Downsampling factor s: LR = bicubic x 1/s (MATLAB imresize). */
  scale: number;
  /** Gaussian blur before downsampling (blind-SR experiments). */
  blur?: BlurOptions;
  /** Gaussian noise added to the LR image. */
  noise?: NoiseOptions;
  /** MATLAB's antialiasing when downscaling (default true, as imresize). */
  antialias?: boolean;
}

function checkScale(scale: number): void {
  if (!(Number.isFinite(scale) && scale > 0))
    throw new HsiConfigError('scale', `must be a finite number > 0, got ${scale}`);
}

/** MATLAB's output length for imresize(x, 1/s): ceil(len / s), robust to 1/s rounding. */
export function downsampledLength(len: number, scale: number): number {
  checkScale(scale);
  const exact = len / scale;
  const nearest = Math.round(exact);
  return Math.abs(exact - nearest) < 1e-9 ? nearest : Math.ceil(exact);
}

function as4d(x: Image, what: string): tf.Tensor4D {
  if (x.rank === 4) return x as tf.Tensor4D;
  if (x.rank === 3) return tf.expandDims(x, 0) as tf.Tensor4D;
  throw new HsiShapeError(
    `${what}: expected [h, w, B] or [n, h, w, B], got ${shapeText((x as tf.Tensor).shape)}`,
  );
}

function likeInput<T extends Image>(x: T, y: tf.Tensor4D): T {
  return (x.rank === 3 ? tf.squeeze(y, [0]) : y) as T;
}

/**
 * MATLAB `imresize(x, 1/scale, 'bicubic')` of `[h, w, B]` or `[n, h, w, B]` (NHWC), with
 * `@hsrkit/layers`' `bicubicResize`. Output is ceil(h / s) x ceil(w / s).
 */
export function bicubicDownsample<T extends Image>(
  x: T,
  scale: number,
  opts: { antialias?: boolean } = {},
): T {
  checkScale(scale);
  return tf.tidy(() => {
    const x4 = as4d(x, 'bicubicDownsample');
    const [, h, w] = x4.shape;
    const size: [number, number] = [downsampledLength(h, scale), downsampledLength(w, scale)];
    // imresize(x, 1/s) samples at spacing s; asking for `size` would use out/in instead, which is the
    // same number when s divides the side and a different one when it does not.
    const s = 1 / scale;
    const byScale = Math.ceil(h * s) === size[0] && Math.ceil(w * s) === size[1];
    const y = bicubicResize(
      x4,
      byScale ? { scale: s, antialias: opts.antialias } : { size, antialias: opts.antialias },
    );
    return likeInput(x, y);
  });
}

/** MATLAB `imresize(x, scale, 'bicubic')` upsampling: the "bicubic" baseline of SR papers. */
export function bicubicUpsample<T extends Image>(x: T, scale: number): T {
  checkScale(scale);
  return tf.tidy(() => likeInput(x, bicubicResize(as4d(x, 'bicubicUpsample'), { scale })));
}

/**
 * Bicubic x 1/scale of a Cube in plain JS (no TF.js), with the same MATLAB weights
 * (`imresizeWeights`): for cubes too large to hand to a backend at once. Returns BIP float32.
 */
export function downsampleCube(
  cube: Cube,
  scale: number,
  opts: { antialias?: boolean } = {},
): Cube {
  const img = cubeToBip(cube, 'downsampleCube');
  const { rows, cols, bands, data } = img;
  const outRows = downsampledLength(rows, scale);
  const outCols = downsampledLength(cols, scale);
  const s = 1 / scale;
  const byScale = Math.ceil(rows * s) === outRows && Math.ceil(cols * s) === outCols;
  const wr = imresizeWeights(rows, outRows, byScale ? s : outRows / rows, opts);
  const wc = imresizeWeights(cols, outCols, byScale ? s : outCols / cols, opts);
  // Rows first: tmp[R, c, b] = sum_r wr[R, r] * x[r, c, b]; each term is a contiguous run of cols*bands.
  const rowLen = cols * bands;
  const tmp = new Float64Array(outRows * rowLen);
  for (let R = 0; R < outRows; R++) {
    const dst = R * rowLen;
    for (let r = 0; r < rows; r++) {
      const w = wr[R * rows + r];
      if (w === 0) continue;
      const src = r * rowLen;
      for (let i = 0; i < rowLen; i++) tmp[dst + i] += w * data[src + i];
    }
  }
  const out = new Float32Array(outRows * outCols * bands);
  const acc = new Float64Array(bands);
  for (let R = 0; R < outRows; R++)
    for (let C = 0; C < outCols; C++) {
      acc.fill(0);
      for (let c = 0; c < cols; c++) {
        const w = wc[C * cols + c];
        if (w === 0) continue;
        const src = R * rowLen + c * bands;
        for (let b = 0; b < bands; b++) acc[b] += w * tmp[src + b];
      }
      out.set(acc, (R * outCols + C) * bands);
    }
  // Bicubic is linear, so units (and scaleFactor) carry over; no-data samples get blended into
  // their neighbours and the map's pixel size changes, so those two fields are dropped.
  const result: Cube = { ...cube, rows: outRows, cols: outCols, interleave: 'bip', data: out };
  delete result.noDataValue;
  delete result.mapInfo;
  return result;
}

/** Normalised 1-D Gaussian taps exp(-x^2 / (2 sigma^2)), x in [-(k-1)/2, (k-1)/2]. */
export function gaussianKernel1d(sigma: number, kernelSize?: number): Float32Array {
  if (!(Number.isFinite(sigma) && sigma > 0))
    throw new HsiConfigError('blur.sigma', `must be > 0, got ${sigma}`);
  const k = kernelSize ?? 2 * Math.ceil(3 * sigma) + 1;
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0)
    throw new HsiConfigError('blur.kernelSize', `must be an odd positive integer, got ${k}`);
  const r = (k - 1) / 2;
  const w = new Float64Array(k);
  let sum = 0;
  for (let i = 0; i < k; i++) sum += w[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
  return Float32Array.from(w, (v) => v / sum);
}

/**
 * Separable Gaussian blur of each band with symmetric edges (`d c b a | a b c d`, scipy's
 * `reflect`, MATLAB's `symmetric`). The kernel radius must not exceed the image side.
 */
export function gaussianBlur<T extends Image>(x: T, opts: BlurOptions): T {
  const taps = gaussianKernel1d(opts.sigma, opts.kernelSize);
  const k = taps.length;
  const r = (k - 1) / 2;
  return tf.tidy(() => {
    const x4 = as4d(x, 'gaussianBlur');
    const [, h, w, c] = x4.shape;
    if (r > h || r > w)
      throw new HsiShapeError(
        `gaussianBlur: kernel radius ${r} exceeds the image side (${h} x ${w}); use a smaller kernelSize`,
      );
    if (k === 1) return likeInput(x, x4.clone());
    const padded = tf.mirrorPad(
      x4,
      [
        [0, 0],
        [r, r],
        [r, r],
        [0, 0],
      ],
      'symmetric',
    );
    const col = tf.tile(tf.tensor4d(taps, [k, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const row = tf.tile(tf.tensor4d(taps, [1, k, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(tf.depthwiseConv2d(padded, col, 1, 'valid'), row, 1, 'valid');
    return likeInput(x, y);
  });
}

/**
 * Adds seeded Gaussian noise (the same numbers on every backend). With `snrDb`, sigma is
 * sqrt(mean(x^2) / 10^(snr/10)), per image of a batch.
 */
export function addGaussianNoise<T extends Image>(x: T, opts: NoiseOptions): T {
  if (!Number.isInteger(opts.seed))
    throw new HsiConfigError('noise.seed', `must be an integer, got ${opts.seed}`);
  const hasSigma = opts.sigma !== undefined;
  if (hasSigma === (opts.snrDb !== undefined))
    throw new HsiConfigError('noise', 'give exactly one of sigma or snrDb');
  if (hasSigma && !(opts.sigma! >= 0))
    throw new HsiConfigError('noise.sigma', `must be >= 0, got ${opts.sigma}`);
  if (!hasSigma && !Number.isFinite(opts.snrDb))
    throw new HsiConfigError('noise.snrDb', `must be finite, got ${opts.snrDb}`);
  return tf.tidy(() => {
    const x4 = as4d(x, 'addGaussianNoise');
    const z = tf.tensor(seededNormal(x4.size, opts.seed), x4.shape);
    const sigma = hasSigma
      ? tf.scalar(opts.sigma!)
      : tf.mul(tf.sqrt(tf.mean(tf.square(x4), [1, 2, 3], true)), 10 ** (-opts.snrDb! / 20));
    return likeInput(x, tf.add(x4, tf.mul(z, sigma)) as tf.Tensor4D);
  });
}

/** The LR image of an HR one: optional blur, bicubic x 1/scale, optional noise. */
export function degrade<T extends Image>(hr: T, opts: DegradeOptions): T {
  return tf.tidy(() => {
    let y: Image = hr;
    if (opts.blur) y = gaussianBlur(y, opts.blur);
    y = bicubicDownsample(y, opts.scale, { antialias: opts.antialias });
    if (opts.noise) y = addGaussianNoise(y, opts.noise);
    return y as T;
  });
}
