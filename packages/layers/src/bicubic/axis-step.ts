import type * as tf from '@tensorflow/tfjs';
import { applyAxis, chooseTileOut } from './axis-plan.js';
import { COPY_COST, polyphaseRates } from './cost-model.js';
import { applyPolyphase, polyphaseCost, type PolyphasePlan } from './polyphase.js';
import type { BicubicResizeMethod } from './resize-options.js';
import type { CachedWeights } from './weight-cache.js';

/**
 * How to apply one axis of x [n, h, w, c] (axis 1 = rows, 2 = cols) and what it costs. The
 * polyphase conv runs along axis 1 of a [N, len, K, C] view; a downscale (step > 1) on the
 * rows of a tensor with w > 1 needs the rows moved to the cols' place first (a transpose each
 * way), since its blocked filter would otherwise need a dilation of w (~20x slower on WASM).
 */
export interface AxisStep {
  poly: PolyphasePlan | null;
  transposed: boolean;
  cost: number;
}

export function planStep(
  entry: CachedWeights,
  shape: number[],
  axis: 1 | 2,
  method: BicubicResizeMethod,
): AxisStep {
  const [n, h, w, c] = shape;
  const len = axis === 1 ? h : w;
  const out = entry.plan.outLen;
  if (entry.plan.identity) return { poly: null, transposed: false, cost: 0 };
  const copy = polyphaseRates().copy;
  const columns = (n * h * w * c) / len;
  // The matMul path transposes the axis out front (rows of a batch of one need none).
  const denseCopies = axis === 1 && n === 1 ? 0 : COPY_COST * columns * (len + out);
  const dense = {
    poly: null,
    transposed: false,
    cost: chooseTileOut(entry.plan, columns).cost + denseCopies,
  };
  const poly = entry.polyphase;
  if (!poly || method === 'matmul') return dense;
  const transposed = axis === 1 && poly.step > 1 && w > 1;
  const cost = polyphaseCost(poly, columns) + (transposed ? copy * columns * (len + out) : 0);
  return method === 'polyphase' || cost <= dense.cost ? { poly, transposed, cost } : dense;
}

/** x [n, h, w, c] -> [n, H, w, c] along the rows. */
export function resizeRows(x: tf.Tensor4D, entry: CachedWeights, step: AxisStep): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const plan = entry.plan;
  if (plan.identity) return x;
  if (step.poly && step.transposed) {
    const z = x.transpose([0, 2, 1, 3]).reshape([n * w, h, 1, c]) as tf.Tensor4D;
    return applyPolyphase(z, step.poly).reshape([n, w, plan.outLen, c]).transpose([0, 2, 1, 3]);
  }
  if (step.poly) return applyPolyphase(x, step.poly);
  const z = n > 1 ? x.transpose([1, 0, 2, 3]) : x;
  const r = applyAxis(z.as2D(h, n * w * c), plan).reshape([plan.outLen, n, w, c]);
  return (n > 1 ? r.transpose([1, 0, 2, 3]) : r.reshape([1, plan.outLen, w, c])) as tf.Tensor4D;
}

/** x [n, h, w, c] -> [n, h, W, c] along the columns. */
export function resizeCols(x: tf.Tensor4D, entry: CachedWeights, step: AxisStep): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const plan = entry.plan;
  if (plan.identity) return x;
  if (step.poly)
    return applyPolyphase(x.reshape([n * h, w, 1, c]), step.poly).reshape([n, h, plan.outLen, c]);
  const z = x.transpose([2, 0, 1, 3]).as2D(w, n * h * c);
  return applyAxis(z, plan).reshape([plan.outLen, n, h, c]).transpose([1, 2, 0, 3]);
}
