import * as tf from '@tensorflow/tfjs';
import { LayerConfigError } from '../errors.js';
import { type AxisStep, planStep, resizeCols, resizeRows } from './axis-step.js';
import { resizeWithPlans } from './matmul-resize.js';
import {
  BICUBIC_RESIZE_METHODS,
  type BicubicResizeMethod,
  type BicubicResizeOptions,
  planAxes,
} from './resize-options.js';
import { type CachedWeights, transposedPlan } from './weight-cache.js';

/**
 * The forward resize. Where an axis has an integer scale and its polyphase conv is cheaper
 * (by the per-backend cost model), axes go one at a time, each in the cheaper way, in the
 * cheaper order; otherwise the matMul plan of resizeWithPlans.
 */
function resizeForward(
  x: tf.Tensor4D,
  rows: CachedWeights,
  cols: CachedWeights,
  method: BicubicResizeMethod,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const H = rows.plan.outLen;
  const W = cols.plan.outLen;
  const rowsThenCols = [
    planStep(rows, [n, h, w, c], 1, method),
    planStep(cols, [n, H, w, c], 2, method),
  ];
  const colsThenRows = [
    planStep(cols, [n, h, w, c], 2, method),
    planStep(rows, [n, h, W, c], 1, method),
  ];
  if (!rowsThenCols.some((st) => st.poly) && !colsThenRows.some((st) => st.poly))
    return resizeWithPlans(x, rows.plan, cols.plan);
  if (rows.plan.identity && cols.plan.identity) return x.clone();
  const total = (steps: AxisStep[]) => steps[0].cost + steps[1].cost;
  if (total(rowsThenCols) <= total(colsThenRows))
    return resizeCols(resizeRows(x, rows, rowsThenCols[0]), cols, rowsThenCols[1]);
  return resizeRows(resizeCols(x, cols, colsThenRows[0]), rows, colsThenRows[1]);
}

/**
 * MATLAB-exact bicubic resize of an NHWC batch (conventions: matlab-weights.ts).
 * Each axis is a few 2-D matMuls over all bands at once (a handful of kernels whatever the band
 * count), or for integer scales a pad and a depthwise conv (see `method`); differentiable on
 * every backend: the gradient is the matMul product with the transposed matrices,
 * dx = W_r^T * dy * W_c per band, whichever way the forward pass ran.
 */
export function bicubicResize(x: tf.Tensor4D, opts: BicubicResizeOptions): tf.Tensor4D {
  if (x.rank !== 4)
    throw new LayerConfigError('bicubicResize', 'x', `must be rank 4 NHWC, got shape [${x.shape}]`);
  const [rows, cols] = planAxes('bicubicResize', x.shape[1], x.shape[2], opts);
  const method = opts.method ?? 'auto';
  if (!BICUBIC_RESIZE_METHODS.includes(method))
    throw new LayerConfigError(
      'bicubicResize',
      'method',
      `must be one of ${BICUBIC_RESIZE_METHODS.join(', ')}, got ${String(method)}`,
    );
  const resize = tf.customGrad((input) => ({
    value: resizeForward(input as tf.Tensor4D, rows, cols, method),
    // Adjoint of y = W_r x W_c^T is dx = W_r^T dy W_c: the same op with transposed plans.
    gradFunc: (dy) =>
      resizeWithPlans(dy as tf.Tensor4D, transposedPlan(rows), transposedPlan(cols)),
  }));
  return tf.tidy(() => resize(x) as tf.Tensor4D);
}
