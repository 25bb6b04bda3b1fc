import type * as tf from '@tensorflow/tfjs';
import { type AxisPlan, applyAxis, axisCost } from './axis-plan.js';
import { COPY_COST } from './cost-model.js';

/**
 * x [n, h, w, c] -> [n, H, W, c]. Each axis is resized with that axis outermost, as a 2-D
 * [len, everything else] tensor; transposes in between bring the next axis out front. The
 * cheaper order (by the cost model) goes first.
 */
export function resizeWithPlans(x: tf.Tensor4D, rows: AxisPlan, cols: AxisPlan): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const H = rows.outLen;
  const W = cols.outLen;
  if (rows.identity && cols.identity) return x.clone();
  const copy = (size: number) => COPY_COST * size;
  const rowsFirst =
    (n > 1 ? copy(n * h * w * c) : 0) +
    axisCost(rows, n * w * c) +
    (cols.identity ? 0 : copy(n * H * w * c) + axisCost(cols, n * H * c) + copy(n * H * W * c));
  const colsFirst =
    copy(n * h * w * c) +
    axisCost(cols, n * h * c) +
    copy(n * h * W * c) +
    axisCost(rows, n * W * c) +
    (n > 1 ? copy(n * H * W * c) : 0);
  if (rowsFirst <= colsFirst) {
    // [n, h, w, c] -> [h, n, w, c] -> rows -> [H, n, w, c]
    const z = n > 1 ? x.transpose([1, 0, 2, 3]) : x;
    const r = applyAxis(z.as2D(h, n * w * c), rows).reshape([H, n, w, c]);
    if (cols.identity) return (n > 1 ? r.transpose([1, 0, 2, 3]) : r).reshape([n, H, W, c]);
    // -> [w, H, n, c] -> cols -> [W, H, n, c] -> [n, H, W, c]
    const zc = r.transpose([2, 0, 1, 3]).as2D(w, H * n * c);
    return applyAxis(zc, cols).reshape([W, H, n, c]).transpose([2, 1, 0, 3]);
  }
  // [n, h, w, c] -> [w, n, h, c] -> cols -> [W, n, h, c] -> [h, n, W, c] -> rows -> [H, n, W, c]
  const zc = x.transpose([2, 0, 1, 3]).as2D(w, n * h * c);
  const r = applyAxis(zc, cols).reshape([W, n, h, c]).transpose([2, 1, 0, 3]);
  const y = applyAxis(r.as2D(h, n * W * c), rows).reshape([H, n, W, c]);
  return (n > 1 ? y.transpose([1, 0, 2, 3]) : y).reshape([n, H, W, c]);
}
