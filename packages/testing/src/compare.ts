import * as tf from '@tensorflow/tfjs';

export type NumericArray = ArrayLike<number>;

export function maxAbsDiff(a: NumericArray, b: NumericArray): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}

/** max |a-b| / max(|b|, floor): a relative error that does not blow up near zero. */
export function maxRelDiff(a: NumericArray, b: NumericArray, floor = 1e-3): number {
  let scale = floor;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  return maxAbsDiff(a, b) / scale;
}

/** Runs fn and fails if it leaves tensors behind. Returns fn's result. */
export async function expectNoLeak<T>(fn: () => Promise<T> | T, label = 'block'): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${label} leaked ${after - before} tensors`);
  return out;
}

/** Deterministic pseudo-random numbers in [-1, 1) (mulberry32), for reproducible test inputs. */
export function seededValues(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}
