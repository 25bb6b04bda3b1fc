// MATLAB `imresize(A, scale, 'bicubic')` as separable weight matrices, one per axis, applied
// with matMuls (so it runs and trains on every backend) or, for an integer scale (x s, x 1/s)
// where a per-backend cost model says it pays, as the equivalent polyphase depthwise conv
// (same numbers: the weights are shift-invariant). `imresizeWeights` is plain JS.
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
import * as tf from '@tensorflow/tfjs';
import { LayerConfigError } from './errors.js';

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

function checkLength(where: string, field: string, v: number): void {
  if (!Number.isInteger(v) || v < 1)
    throw new LayerConfigError(where, field, `must be an integer >= 1, got ${v}`);
}

function checkScale(where: string, field: string, v: number): void {
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
function contributions(outLen: number, scale: number, antialias: boolean) {
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
function mirrorIndex(j: number, inLen: number): number {
  const period = 2 * inLen;
  const f = ((j % period) + period) % period;
  return f < inLen ? f : period - 1 - f;
}

/** Dense weights in float64: the contributions folded into the input range. */
function computeWeights(inLen: number, outLen: number, scale: number, antialias: boolean) {
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
interface PolyphasePlan {
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

function polyphasePlan(
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
function applyPolyphase(z: tf.Tensor4D, plan: PolyphasePlan): tf.Tensor4D {
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

/**
 * One axis of the resize, applied to a 2-D [inLen, M] tensor (the resized axis outermost) as
 * plain 2-D matMuls: batch-1, untransposed matMuls are the ones every backend runs fastest
 * (XNNPACK on WASM). The dense matrix is mostly zeros (a band about 4/scale wide), so when it
 * pays (not on WASM, see chooseTileOut), output rows go in tiles of `tileOut` and each tile
 * multiplies its dense (tileOut x tileIn) block by a contiguous window of `tileIn` input rows.
 */
interface AxisPlan {
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

interface Tiling {
  tileOut: number;
  tileIn: number;
  /** First input row of each tile's window. */
  starts: Int32Array;
  /** Per tile, its (rows x tileIn) block, rows = tileOut (fewer in the last tile). */
  blocks: Float32Array[];
}

// Cost model, in multiply-adds per column of the [inLen, M] operand: a copied element (slice,
// concat, transpose) costs about COPY_COST multiply-adds, a kernel launch kernelCost(): small
// on the JS cpu backend, large on a GPU where one launch could have done millions of them.
const COPY_COST = 4;
function kernelCost(): number {
  const backend = tf.getBackend();
  return backend === 'cpu' ? 20_000 : backend === 'wasm' ? 200_000 : 10_000_000;
}
const MAX_TILE_OUT = 64;

function planAxis(m: Float32Array, outLen: number, inLen: number): AxisPlan {
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
function chooseTileOut(plan: AxisPlan, columns: number): { tileOut: number; cost: number } {
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
function applyAxis(z: tf.Tensor2D, plan: AxisPlan): tf.Tensor2D {
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

interface CachedWeights {
  values: Float32Array;
  plan: AxisPlan;
  /** The polyphase filter for an integer scale, null where there is none. */
  polyphase: PolyphasePlan | null;
  /** Plan of W^T, for the gradient; built on first use. */
  transposed?: AxisPlan;
}

// Small cache so a layer resizing every batch does not rebuild the same matrices and plans.
// Bounded: the oldest entry goes first (Map keeps insertion order).
const CACHE_LIMIT = 32;
const weightCache = new Map<string, CachedWeights>();

function cachedWeights(
  inLen: number,
  outLen: number,
  scale: number,
  antialias: boolean,
): CachedWeights {
  const key = `${inLen},${outLen},${scale},${antialias ? 1 : 0}`;
  const hit = weightCache.get(key);
  if (hit) return hit;
  const values = Float32Array.from(computeWeights(inLen, outLen, scale, antialias));
  const entry: CachedWeights = {
    values,
    plan: planAxis(values, outLen, inLen),
    polyphase: polyphasePlan(inLen, outLen, scale, antialias),
  };
  if (weightCache.size >= CACHE_LIMIT) {
    const oldest = weightCache.keys().next().value;
    if (oldest !== undefined) weightCache.delete(oldest);
  }
  weightCache.set(key, entry);
  return entry;
}

function transposedPlan(entry: CachedWeights): AxisPlan {
  if (!entry.transposed) {
    const { inLen, outLen } = entry.plan;
    const t = new Float32Array(inLen * outLen);
    for (let i = 0; i < outLen; i++)
      for (let j = 0; j < inLen; j++) t[j * outLen + i] = entry.values[i * inLen + j];
    entry.transposed = planAxis(t, inLen, outLen);
  }
  return entry.transposed;
}

/**
 * The (outLen x inLen) row-major matrix W of MATLAB's bicubic imresize along one axis:
 * out = W * in. `scale` is the sampling scale (MATLAB's, see the file comment): pass the
 * user's scale with outLen = ceil(inLen*scale), or outLen/inLen for a target size.
 * Free of TF.js. Returns a fresh copy (safe to modify).
 */
export function imresizeWeights(
  inLen: number,
  outLen: number,
  scale: number,
  opts: ImresizeWeightsOptions = {},
): Float32Array {
  checkLength('imresizeWeights', 'inLen', inLen);
  checkLength('imresizeWeights', 'outLen', outLen);
  checkScale('imresizeWeights', 'scale', scale);
  return cachedWeights(inLen, outLen, scale, opts.antialias ?? true).values.slice();
}

export interface BicubicResizeOptions {
  /** One scale for both axes or [rows, cols]; output is ceil(in*scale). */
  scale?: number | [number, number];
  /** Output [rows, cols]; the scale per axis is then out/in. Give scale or size, not both. */
  size?: [number, number];
  /** MATLAB's antialiasing when downscaling. Default true. */
  antialias?: boolean;
  /**
   * How the forward pass runs (same numbers up to float rounding): 'auto' (default) picks per
   * axis and backend by a cost model; 'matmul' applies the weight matrices (banded tiles where
   * that pays); 'polyphase' uses the mirrored-pad depthwise conv on every axis with an integer
   * scale (x s or x 1/s) and matMuls on the others. The gradient is always the matMul adjoint.
   */
  method?: BicubicResizeMethod;
}

export type BicubicResizeMethod = 'auto' | 'matmul' | 'polyphase';
const BICUBIC_RESIZE_METHODS: readonly BicubicResizeMethod[] = ['auto', 'matmul', 'polyphase'];

function planAxes(
  where: string,
  h: number,
  w: number,
  opts: BicubicResizeOptions,
): [CachedWeights, CachedWeights] {
  const antialias = opts.antialias ?? true;
  if (opts.antialias !== undefined && typeof opts.antialias !== 'boolean')
    throw new LayerConfigError(where, 'antialias', `must be a boolean, got ${opts.antialias}`);
  if (opts.scale !== undefined && opts.size !== undefined)
    throw new LayerConfigError(where, 'scale', 'give either scale or size, not both');
  let scales: [number, number];
  let sizes: [number, number];
  if (opts.size !== undefined) {
    if (!Array.isArray(opts.size) || opts.size.length !== 2)
      throw new LayerConfigError(where, 'size', `must be [rows, cols], got ${String(opts.size)}`);
    checkLength(where, 'size[0]', opts.size[0]);
    checkLength(where, 'size[1]', opts.size[1]);
    sizes = [opts.size[0], opts.size[1]];
    scales = [sizes[0] / h, sizes[1] / w];
  } else if (opts.scale !== undefined) {
    scales = resolveScale(where, opts.scale);
    sizes = [Math.ceil(h * scales[0]), Math.ceil(w * scales[1])];
  } else {
    throw new LayerConfigError(where, 'scale', 'give a scale or a size');
  }
  return [
    cachedWeights(h, sizes[0], scales[0], antialias),
    cachedWeights(w, sizes[1], scales[1], antialias),
  ];
}

function resolveScale(where: string, scale: number | [number, number]): [number, number] {
  if (Array.isArray(scale)) {
    if (scale.length !== 2)
      throw new LayerConfigError(where, 'scale', `must be a number or [rows, cols], got ${scale}`);
    checkScale(where, 'scale[0]', scale[0]);
    checkScale(where, 'scale[1]', scale[1]);
    return [scale[0], scale[1]];
  }
  checkScale(where, 'scale', scale);
  return [scale, scale];
}

function axisCost(plan: AxisPlan, columns: number): number {
  return plan.identity ? 0 : chooseTileOut(plan, columns).cost;
}

/**
 * x [n, h, w, c] -> [n, H, W, c]. Each axis is resized with that axis outermost, as a 2-D
 * [len, everything else] tensor; transposes in between bring the next axis out front. The
 * cheaper order (by the cost model) goes first.
 */
function resizeWithPlans(x: tf.Tensor4D, rows: AxisPlan, cols: AxisPlan): tf.Tensor4D {
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

// Polyphase cost, in the multiply-adds of chooseTileOut. WASM: its depthwise kernel did about
// 1/15 of its matMul's multiply-adds per second on these shapes (x4 of 128x128x128: rows 42 M
// in 0.19 s; x1/4 cols 33 M in 0.2 s; matMul ~3 G/s on the same loaded machine), and a copy
// (mirrorPad, transpose) cost about 8 of them per element; its gather walks element by element
// (~50x a copy). The JS cpu backend's depthwise kernel is slower still against its matMul
// (x4 of 128x128x128: 17.8 s against 6.2 s for the tiled matMuls): there the conv never pays.
// WebGPU runs a depthwise multiply-add about as fast as a matMul one.
function polyphaseRates(): { mac: number; copy: number; gather: number } {
  const backend = tf.getBackend();
  if (backend === 'wasm') return { mac: 15, copy: 8, gather: 400 };
  if (backend === 'cpu') return { mac: 100, copy: COPY_COST, gather: COPY_COST };
  return { mac: 1, copy: COPY_COST, gather: COPY_COST };
}

function polyphaseCost(plan: PolyphasePlan, columns: number): number {
  const rates = polyphaseRates();
  const padded = (plan.perPhase - 1 + plan.blocks) * plan.step;
  const pad = (plan.pad ? rates.copy : rates.gather) * padded;
  const interleave = plan.phases > 1 ? rates.copy * plan.outLen : 0;
  const macs = plan.perPhase * plan.phases * plan.blocks * plan.step;
  return columns * (macs * rates.mac + pad + interleave) + kernelCost() * 3;
}

/**
 * How to apply one axis of x [n, h, w, c] (axis 1 = rows, 2 = cols) and what it costs. The
 * polyphase conv runs along axis 1 of a [N, len, K, C] view; a downscale (step > 1) on the
 * rows of a tensor with w > 1 needs the rows moved to the cols' place first (a transpose each
 * way), since its blocked filter would otherwise need a dilation of w (~20x slower on WASM).
 */
interface AxisStep {
  poly: PolyphasePlan | null;
  transposed: boolean;
  cost: number;
}

function planStep(
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
function resizeRows(x: tf.Tensor4D, entry: CachedWeights, step: AxisStep): tf.Tensor4D {
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
function resizeCols(x: tf.Tensor4D, entry: CachedWeights, step: AxisStep): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const plan = entry.plan;
  if (plan.identity) return x;
  if (step.poly)
    return applyPolyphase(x.reshape([n * h, w, 1, c]), step.poly).reshape([n, h, plan.outLen, c]);
  const z = x.transpose([2, 0, 1, 3]).as2D(w, n * h * c);
  return applyAxis(z, plan).reshape([plan.outLen, n, h, c]).transpose([1, 2, 0, 3]);
}

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
 * MATLAB-exact bicubic resize of an NHWC batch (see the file comment for the conventions).
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

export interface BicubicResizeLayerArgs extends LayerArgs {
  /** One scale for both axes or [rows, cols]; output is ceil(in*scale) (MATLAB). */
  scale: number | [number, number];
  /** MATLAB's antialiasing when downscaling. Default true. */
  antialias?: boolean;
}

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** A weightless layer: MATLAB bicubic resize by a fixed scale (NHWC). */
export class BicubicResize extends tf.layers.Layer {
  static className = 'HsrkitBicubicResize';
  readonly scale: number | [number, number];
  readonly antialias: boolean;

  constructor(args: BicubicResizeLayerArgs) {
    super(args);
    if (args === undefined || args.scale === undefined)
      throw new LayerConfigError('BicubicResize', 'scale', 'is required');
    const [sr, sc] = resolveScale('BicubicResize', args.scale);
    if (args.antialias !== undefined && typeof args.antialias !== 'boolean')
      throw new LayerConfigError(
        'BicubicResize',
        'antialias',
        `must be a boolean, got ${args.antialias}`,
      );
    this.scale = Array.isArray(args.scale) ? [sr, sc] : sr;
    this.antialias = args.antialias ?? true;
  }

  private scales(): [number, number] {
    return Array.isArray(this.scale) ? this.scale : [this.scale, this.scale];
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (s.length !== 4)
      throw new LayerConfigError('BicubicResize', 'inputShape', `must be rank 4 NHWC, got [${s}]`);
    const [sr, sc] = this.scales();
    const out = (len: number | null, scale: number) =>
      len == null ? null : Math.ceil(len * scale);
    return [s[0], out(s[1], sr), out(s[2], sc), s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return bicubicResize(x, { scale: this.scales(), antialias: this.antialias });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      scale: Array.isArray(this.scale) ? [...this.scale] : this.scale,
      antialias: this.antialias,
    };
  }
}
tf.serialization.registerClass(BicubicResize);

/** Factory for {@link BicubicResize}. */
export function bicubicResize2D(args: BicubicResizeLayerArgs): BicubicResize {
  return new BicubicResize(args);
}
