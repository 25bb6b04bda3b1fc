import * as tf from '@tensorflow/tfjs';
import { kernelCost, polyphaseRates } from './cost-model.js';
import { contributions, mirrorIndex } from './matlab-weights.js';

/**
 * An integer scale as a polyphase filter. For x s up (P = s phases, step D = 1) or x 1/s down
 * (P = 1, D = s), output i = q*P + p reads inputs q*D + offset_p + t with the same weights for
 * every q: MATLAB's weights are shift-invariant and its edges are symmetric padding of the input
 * (the weights are normalised before folding), so a symmetric pad (mirrorPad; a gather where
 * the pad exceeds the axis) plus a 'valid' depthwise conv reproduces the matrix exactly with
 * about 4/scale (down) or 4 (up) taps per output instead of a dense row of inLen.
 * The conv reads the padded axis as [blocks of D, D] (a free reshape), so the filter is
 * [L/D, D] and has stride 1: WASM's depthwise conv is fast for small square-ish filters and
 * slow for tall ones (a 16x1 filter at stride 4 ran 4x slower than 4x4 at stride 1).
 */
export interface PolyphasePlan {
  inLen: number;
  outLen: number;
  phases: number;
  step: number;
  /** Filter height L/D: taps per phase, in blocks of `step`. */
  blocks: number;
  /** Outputs per phase: ceil(outLen / phases). */
  perPhase: number;
  /** [blocks, step, 1, phases] row-major. */
  filter: Float32Array;
  /** Symmetric padding before and after the axis (mirrorPad), when it can do it. */
  pad: [number, number] | null;
  /** Otherwise the input row of each padded position (a gather). */
  gather: Int32Array;
}

export function polyphasePlan(
  inLen: number,
  outLen: number,
  scale: number,
  antialias: boolean,
): PolyphasePlan | null {
  let phases: number;
  let step: number;
  if (scale > 1 && Number.isInteger(scale)) [phases, step] = [scale, 1];
  else if (scale < 1 && Number.isInteger(1 / scale)) [phases, step] = [1, 1 / scale];
  else return null;
  const perPhase = Math.ceil(outLen / phases);
  const { taps, left, weights } = contributions(perPhase * phases, scale, antialias);
  // Each output's non-zero run: absolute start and the weights.
  const start = new Int32Array(perPhase * phases);
  const runs: Float64Array[] = [];
  for (let i = 0; i < perPhase * phases; i++) {
    const row = weights.subarray(i * taps, (i + 1) * taps);
    let lo = 0;
    let hi = taps - 1;
    while (lo < hi && row[lo] === 0) lo++;
    while (hi > lo && row[hi] === 0) hi--;
    start[i] = left[i] + lo;
    runs.push(row.subarray(lo, hi + 1));
  }
  // Shift invariance, checked rather than assumed (float rounding of u could break it).
  for (let i = phases; i < perPhase * phases; i++) {
    const p = i % phases;
    const q = (i - p) / phases;
    if (start[i] - q * step !== start[p] || runs[i].length !== runs[p].length) return null;
    for (let k = 0; k < runs[p].length; k++)
      if (Math.abs(runs[i][k] - runs[p][k]) > 1e-12) return null;
  }
  let origin = start[0];
  for (let p = 1; p < phases; p++) origin = Math.min(origin, start[p]);
  let span = 0;
  for (let p = 0; p < phases; p++) span = Math.max(span, start[p] - origin + runs[p].length);
  // Whole blocks, with the window starting at or before 0 so that the padding is never negative.
  const blocks = Math.ceil((span + Math.max(0, origin)) / step);
  origin = Math.min(origin, 0);
  const filter = new Float32Array(blocks * step * phases);
  for (let p = 0; p < phases; p++)
    for (let k = 0; k < runs[p].length; k++)
      filter[(start[p] - origin + k) * phases + p] = runs[p][k];
  const padded = (perPhase - 1 + blocks) * step;
  const gather = new Int32Array(padded);
  for (let j = 0; j < padded; j++) gather[j] = mirrorIndex(origin + j, inLen);
  const before = -origin;
  const after = padded - inLen - before;
  // tf.mirrorPad 'symmetric' reflects once: each pad at most the axis length.
  const pad: [number, number] | null =
    after >= 0 && before <= inLen && after <= inLen ? [before, after] : null;
  return { inLen, outLen, phases, step, blocks, perPhase, filter, pad, gather };
}

/**
 * z [N, inLen, K, C] -> [N, outLen, K, C] along axis 1 by the polyphase filter: a symmetric pad,
 * then one depthwise conv over C channels (the bands: WASM's depthwise kernel is slow for very
 * many channels and fast for about a hundred).
 * Down (step D > 1, K = 1): the padded axis is read as [blocks of D, D] and the filter is
 * [L/D, D], so tap (b, d) reads input (q + b)*D + d at stride 1 (a [L, 1] filter at stride D
 * ran 4x slower on WASM).
 * Up (phases P > 1): filter [L, 1] with channel multiplier P gives channel c*P + p = phase p;
 * a transpose interleaves the phases into rows.
 */
export function applyPolyphase(z: tf.Tensor4D, plan: PolyphasePlan): tf.Tensor4D {
  const [n, , k, c] = z.shape;
  const { phases, step, blocks, perPhase, outLen } = plan;
  const padded = plan.pad
    ? tf.mirrorPad(z, [[0, 0], plan.pad, [0, 0], [0, 0]], 'symmetric')
    : tf.gather(z, tf.tensor1d(plan.gather, 'int32'), 1);
  const filter = tf.tile(tf.tensor4d(plan.filter, [blocks, step, 1, phases]), [1, 1, c, 1]);
  let y: tf.Tensor4D;
  if (step > 1) {
    // k is 1 here (see planStep): read the padded axis as [blocks of D, D].
    const blocked = padded.reshape([n, padded.shape[1] / step, step * k, c]) as tf.Tensor4D;
    y = tf.depthwiseConv2d(blocked, filter as tf.Tensor4D, 1, 'valid');
  } else {
    const phased = tf.depthwiseConv2d(padded, filter as tf.Tensor4D, 1, 'valid');
    y = (
      phases === 1 ? phased : phased.reshape([n, perPhase, k, c, phases]).transpose([0, 1, 4, 2, 3])
    ).reshape([n, perPhase * phases, k, c]) as tf.Tensor4D;
  }
  return perPhase * phases === outLen ? y : y.slice([0, 0, 0, 0], [n, outLen, k, c]);
}

/** What applying `plan` to `columns` columns costs (see cost-model.ts). */
export function polyphaseCost(plan: PolyphasePlan, columns: number): number {
  const rates = polyphaseRates();
  const padded = (plan.perPhase - 1 + plan.blocks) * plan.step;
  const pad = (plan.pad ? rates.copy : rates.gather) * padded;
  const interleave = plan.phases > 1 ? rates.copy * plan.outLen : 0;
  const macs = plan.perPhase * plan.phases * plan.blocks * plan.step;
  return columns * (macs * rates.mac + pad + interleave) + kernelCost() * 3;
}
