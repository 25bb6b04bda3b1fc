// MATLAB's `imresize(A, scale, 'bicubic')` weights along one axis, in plain JS (no TF.js).
//
// Conventions, all MATLAB's:
// - Keys' cubic kernel with a = -0.5 on [-2, 2] (kernel width 4).
// - Output pixel x (1-based) samples input coordinate u = x/scale + 0.5*(1 - 1/scale).
// - Downscaling (scale < 1) with antialiasing widens the kernel: h(t) = scale*cubic(scale*t), width
//   4/scale. Each output pixel's weights are normalised to sum to 1.
// - Edges are symmetric: input index i (1-based, any integer) reads aux[mod(i-1, 2*in)] with
//   aux = [1..in, in..1].
// - Given a scale, the output size is ceil(in*scale) and the weights use that scale, not
//   out/in (imresize(A, scale)). Given a size, the scale is out/in per axis (imresize(A, [r c])).
//   So x0.37 on 30 rows gives ceil(11.1) = 12 rows sampled at spacing 1/0.37, not 30/12.
import { LayerConfigError } from '../errors.js';

export interface ImresizeWeightsOptions {
  /** Widen the kernel by 1/scale when downscaling, as MATLAB does by default. Default true. */
  antialias?: boolean;
}

const KERNEL_WIDTH = 4;

/** Keys' cubic convolution kernel with a = -0.5 (MATLAB's `cubic`). */
function cubic(t: number): number {
  const x = Math.abs(t);
  const x2 = x * x;
  const x3 = x2 * x;
  if (x <= 1) return 1.5 * x3 - 2.5 * x2 + 1;
  if (x <= 2) return -0.5 * x3 + 2.5 * x2 - 4 * x + 2;
  return 0;
}

export function checkLength(where: string, field: string, v: number): void {
  if (!Number.isInteger(v) || v < 1)
    throw new LayerConfigError(where, field, `must be an integer >= 1, got ${v}`);
}

export function checkScale(where: string, field: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new LayerConfigError(where, field, `must be a finite number > 0, got ${v}`);
}

/** The MATLAB output length for a scale: ceil(len*scale). */
export function bicubicOutputSize(len: number, scale: number): number {
  checkLength('bicubicOutputSize', 'len', len);
  checkScale('bicubicOutputSize', 'scale', scale);
  return Math.ceil(len * scale);
}

/**
 * MATLAB's contributions(): for each output x (1-based), the 0-based input position `left` of its
 * first tap and its `taps` weights, normalised to sum to 1, before any folding at the edges.
 */
export function contributions(outLen: number, scale: number, antialias: boolean) {
  const widen = scale < 1 && antialias;
  const width = widen ? KERNEL_WIDTH / scale : KERNEL_WIDTH;
  const kernel = widen ? (t: number) => scale * cubic(scale * t) : cubic;
  const taps = Math.ceil(width) + 2;
  const left = new Int32Array(outLen);
  const weights = new Float64Array(outLen * taps);
  for (let x = 1; x <= outLen; x++) {
    const u = x / scale + 0.5 * (1 - 1 / scale);
    const l = Math.floor(u - width / 2);
    const row = (x - 1) * taps;
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      weights[row + k] = kernel(u - (l + k));
      sum += weights[row + k];
    }
    for (let k = 0; k < taps; k++) weights[row + k] /= sum;
    left[x - 1] = l - 1;
  }
  return { taps, left, weights };
}

/** Symmetric padding: the input row that 0-based position j (any integer) reads. */
export function mirrorIndex(j: number, inLen: number): number {
  const period = 2 * inLen;
  const f = ((j % period) + period) % period;
  return f < inLen ? f : period - 1 - f;
}

/** Dense weights in float64: the contributions folded into the input range. */
export function computeWeights(inLen: number, outLen: number, scale: number, antialias: boolean) {
  const { taps, left, weights } = contributions(outLen, scale, antialias);
  const m = new Float64Array(outLen * inLen);
  for (let i = 0; i < outLen; i++) {
    for (let k = 0; k < taps; k++) {
      const v = weights[i * taps + k];
      if (v === 0) continue;
      m[i * inLen + mirrorIndex(left[i] + k, inLen)] += v;
    }
  }
  return m;
}
