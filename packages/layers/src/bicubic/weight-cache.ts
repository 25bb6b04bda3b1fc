import { type AxisPlan, planAxis } from './axis-plan.js';
import {
  type ImresizeWeightsOptions,
  checkLength,
  checkScale,
  computeWeights,
} from './matlab-weights.js';
import { type PolyphasePlan, polyphasePlan } from './polyphase.js';

/** One axis of a resize: MATLAB's weights, their matMul plan and their polyphase filter. */
export interface CachedWeights {
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

/** The weights and plans of one axis, from the cache or built (and cached). */
export function cachedWeights(
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

/** The plan of W^T (the gradient's matrix), built on first use. */
export function transposedPlan(entry: CachedWeights): AxisPlan {
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
 * out = W * in. `scale` is the sampling scale (MATLAB's, see matlab-weights.ts): pass the
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
