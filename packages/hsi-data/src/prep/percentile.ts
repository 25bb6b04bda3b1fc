/**
 * Percentiles with numpy's default rule (linear interpolation between order statistics:
 * position p/100 * (n - 1)), by quickselect in O(n) rather than a full sort.
 */
import { HsiConfigError, HsiValueError } from '../errors.js';

/** Rearranges `a[lo..hi]` so that a[k] is the k-th smallest, smaller ones before it, larger after. */
function select(a: Float32Array | Float64Array, k: number, lo: number, hi: number): void {
  while (hi > lo) {
    // Median of three as pivot: robust on sorted and constant runs, common in image data.
    const mid = (lo + hi) >>> 1;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float32Array | Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

function checkPercent(p: number): void {
  if (!(p >= 0 && p <= 100))
    throw new HsiConfigError('percentile', `must be in [0, 100], got ${p}`);
}

/**
 * Percentiles of `values` (numpy.percentile, linear). `values` is reordered in place: pass a copy
 * you do not need. `ps` may be in any order. NaN is rejected.
 */
export function percentilesInPlace(
  values: Float32Array | Float64Array,
  ps: readonly number[],
): number[] {
  const n = values.length;
  if (n === 0) throw new HsiValueError('percentile of an empty set of samples');
  for (let i = 0; i < n; i++)
    if (Number.isNaN(values[i])) throw new HsiValueError(`percentile: sample ${i} is NaN`);
  ps.forEach(checkPercent);
  // Work from the smallest position up so each selection only narrows the range.
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const out = new Array<number>(ps.length);
  let lo = 0;
  for (const { p, i } of order) {
    const pos = (p / 100) * (n - 1);
    const k = Math.floor(pos);
    select(values, k, lo, n - 1);
    const v0 = values[k];
    let v1 = v0;
    if (k + 1 < n && pos > k) {
      // The next order statistic is the minimum of what lies above k.
      v1 = values[k + 1];
      for (let t = k + 2; t < n; t++) if (values[t] < v1) v1 = values[t];
    }
    out[i] = v0 + (pos - k) * (v1 - v0);
    lo = k;
  }
  return out;
}

/** Percentiles of `values` without changing it. */
export function percentiles(values: ArrayLike<number>, ps: readonly number[]): number[] {
  return percentilesInPlace(Float64Array.from(values), ps);
}
