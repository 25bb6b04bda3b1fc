import { type Matrix, SingularValueDecomposition } from 'ml-matrix';

/** Singular values of a matrix, largest first (ml-matrix's SVD, in float64). */
export function singularValues(m: Matrix): Float64Array {
  const svd = new SingularValueDecomposition(m, {
    autoTranspose: true,
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
  });
  return Float64Array.from(svd.diagonal).sort().reverse();
}

/** Thin SVD m = U diag(s) V^T with U [rows, k], V [cols, k], k = min(rows, cols). */
export function thinSvd(m: Matrix): { u: Matrix; s: Float64Array; v: Matrix } {
  const svd = new SingularValueDecomposition(m, { autoTranspose: true });
  // ml-matrix returns them in descending order already; keep that order for U and V.
  return {
    u: svd.leftSingularVectors,
    s: Float64Array.from(svd.diagonal),
    v: svd.rightSingularVectors,
  };
}

/** energy[i] = sum_{t<=i} s_t^2 / sum_t s_t^2 (1 for an all-zero spectrum). */
export function cumulativeEnergy(s: ArrayLike<number>): Float64Array {
  const out = new Float64Array(s.length);
  let total = 0;
  for (let i = 0; i < s.length; i++) total += s[i] * s[i];
  let acc = 0;
  for (let i = 0; i < s.length; i++) {
    acc += s[i] * s[i];
    out[i] = total > 0 ? acc / total : 1;
  }
  if (s.length > 0) out[s.length - 1] = 1;
  return out;
}

/** Smallest rank r (1-based) whose cumulative energy reaches `threshold`. */
export function rankForEnergy(energy: ArrayLike<number>, threshold: number): number {
  for (let i = 0; i < energy.length; i++) if (energy[i] >= threshold - 1e-12) return i + 1;
  return energy.length;
}

/**
 * Knee of the cumulative-energy curve (Kneedle, Satopää et al. 2011): the rank at which the
 * curve, rescaled to the unit square, lies farthest above the chord from its first to its last
 * point. Ranks beyond it buy little energy each.
 */
export function kneeRank(energy: ArrayLike<number>): number {
  const n = energy.length;
  if (n <= 2) return n === 0 ? 0 : 1;
  const y0 = energy[0];
  const span = energy[n - 1] - y0;
  if (span <= 0) return 1;
  let best = 0;
  let bestGap = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const gap = (energy[i] - y0) / span - i / (n - 1);
    if (gap > bestGap) {
      bestGap = gap;
      best = i;
    }
  }
  return best + 1;
}
