import * as tf from '@tensorflow/tfjs';
import { COPY_COST, kernelCost } from './cost-model.js';

/**
 * One axis of the resize, applied to a 2-D [inLen, M] tensor (the resized axis outermost) as
 * plain 2-D matMuls: batch-1, untransposed matMuls are the ones every backend runs fastest
 * (XNNPACK on WASM). The dense matrix is mostly zeros (a band about 4/scale wide), so when it
 * pays (not on WASM, see chooseTileOut), output rows go in tiles of `tileOut` and each tile
 * multiplies its dense (tileOut x tileIn) block by a contiguous window of `tileIn` input rows.
 */
export interface AxisPlan {
  inLen: number;
  outLen: number;
  /** The matrix is exactly the identity (scale 1): the axis is skipped. */
  identity: boolean;
  dense: Float32Array;
  /** First and last non-zero column of each row. */
  first: Int32Array;
  last: Int32Array;
  /** Tilings already built, by tileOut. */
  tilings: Map<number, Tiling>;
}

export interface Tiling {
  tileOut: number;
  tileIn: number;
  /** First input row of each tile's window. */
  starts: Int32Array;
  /** Per tile, its (rows x tileIn) block, rows = tileOut (fewer in the last tile). */
  blocks: Float32Array[];
}

/** The tallest tile chooseTileOut tries. */
const MAX_TILE_OUT = 64;

/** The plan of a dense (outLen x inLen) row-major matrix: its band, and whether it is the identity. */
export function planAxis(m: Float32Array, outLen: number, inLen: number): AxisPlan {
  let identity = inLen === outLen;
  const first = new Int32Array(outLen);
  const last = new Int32Array(outLen);
  for (let i = 0; i < outLen; i++) {
    let lo = inLen;
    let hi = -1;
    for (let j = 0; j < inLen; j++) {
      const v = m[i * inLen + j];
      if (v !== 0) {
        if (j < lo) lo = j;
        hi = j;
      }
      if (identity && v !== (i === j ? 1 : 0)) identity = false;
    }
    first[i] = lo;
    last[i] = hi;
  }
  return { inLen, outLen, identity, dense: m, first, last, tilings: new Map() };
}

/** Widest window any tile of `tileOut` rows needs. */
function tileInFor(plan: AxisPlan, tileOut: number): number {
  let tileIn = 0;
  for (let r0 = 0; r0 < plan.outLen; r0 += tileOut) {
    let lo = plan.inLen;
    let hi = -1;
    for (let i = r0; i < Math.min(plan.outLen, r0 + tileOut); i++) {
      lo = Math.min(lo, plan.first[i]);
      hi = Math.max(hi, plan.last[i]);
    }
    tileIn = Math.max(tileIn, hi - lo + 1);
  }
  return tileIn;
}

/** The cheapest way to apply the axis to M columns: 0 = one dense matMul, else a tileOut. */
export function chooseTileOut(plan: AxisPlan, columns: number): { tileOut: number; cost: number } {
  const { outLen, inLen } = plan;
  const launch = kernelCost();
  let best = { tileOut: 0, cost: columns * outLen * inLen + launch };
  // WASM's Slice copies its whole input out of the heap, so a window costs a full copy there:
  // the dense matMul (XNNPACK) measured 4x faster than tiles for x1/4 of 512x512x128.
  if (tf.getBackend() === 'wasm') return best;
  for (let tileOut = 1; tileOut <= Math.min(outLen, MAX_TILE_OUT); tileOut++) {
    const tiles = Math.ceil(outLen / tileOut);
    const tileIn = tileInFor(plan, tileOut);
    // Slices copy the windows, the concat copies the output once.
    const cost =
      columns * (outLen * tileIn + COPY_COST * (tiles * tileIn + outLen)) +
      launch * (2 * tiles + 1);
    if (cost < best.cost) best = { tileOut, cost };
  }
  return best;
}

/** The tiles of `tileOut` output rows, built once per plan. */
function tiling(plan: AxisPlan, tileOut: number): Tiling {
  const hit = plan.tilings.get(tileOut);
  if (hit) return hit;
  const { outLen, inLen, dense, first } = plan;
  const tileIn = tileInFor(plan, tileOut);
  const tiles = Math.ceil(outLen / tileOut);
  const starts = new Int32Array(tiles);
  const blocks: Float32Array[] = [];
  for (let t = 0; t < tiles; t++) {
    const r0 = t * tileOut;
    const r1 = Math.min(outLen, r0 + tileOut);
    let lo = inLen;
    for (let i = r0; i < r1; i++) lo = Math.min(lo, first[i]);
    const start = Math.min(lo, inLen - tileIn);
    starts[t] = start;
    const block = new Float32Array((r1 - r0) * tileIn);
    for (let i = r0; i < r1; i++)
      block.set(dense.subarray(i * inLen + start, i * inLen + start + tileIn), (i - r0) * tileIn);
    blocks.push(block);
  }
  const built = { tileOut, tileIn, starts, blocks };
  plan.tilings.set(tileOut, built);
  return built;
}

/** z [inLen, M] -> W z, [outLen, M]. */
export function applyAxis(z: tf.Tensor2D, plan: AxisPlan): tf.Tensor2D {
  if (plan.identity) return z;
  const columns = z.shape[1];
  const { tileOut } = chooseTileOut(plan, columns);
  if (tileOut === 0) return tf.matMul(tf.tensor2d(plan.dense, [plan.outLen, plan.inLen]), z);
  const { tileIn, starts, blocks } = tiling(plan, tileOut);
  const parts = blocks.map((block, t) =>
    tf.matMul(
      tf.tensor2d(block, [block.length / tileIn, tileIn]),
      z.slice([starts[t], 0], [tileIn, columns]),
    ),
  );
  return (parts.length === 1 ? parts[0] : tf.concat(parts, 0)) as tf.Tensor2D;
}

/** What applying the axis to `columns` columns costs the cheapest way (0 for the identity). */
export function axisCost(plan: AxisPlan, columns: number): number {
  return plan.identity ? 0 : chooseTileOut(plan, columns).cost;
}
