import type { BandGroupPlan } from './grouping.js';

/** Per-band first and second moments of a low-resolution input, over its valid samples. */
export interface BandMoments {
  mean: Float64Array;
  meanSquare: Float64Array;
}

/**
 * Moments of each band of a BIP image (`pixels x bands`), skipping samples `valid` marks false
 * (a band with no valid sample gets 0, 0). Computed from the input itself, never from training data.
 */
export function bandMoments(
  data: ArrayLike<number>,
  bands: number,
  valid?: (pixel: number, band: number) => boolean,
): BandMoments {
  const pixels = data.length / bands;
  const sum = new Float64Array(bands);
  const sumSq = new Float64Array(bands);
  const count = new Float64Array(bands);
  for (let p = 0; p < pixels; p++) {
    const o = p * bands;
    for (let b = 0; b < bands; b++) {
      if (valid && !valid(p, b)) continue;
      const v = data[o + b];
      sum[b] += v;
      sumSq[b] += v * v;
      count[b]++;
    }
  }
  const mean = new Float64Array(bands);
  const meanSquare = new Float64Array(bands);
  for (let b = 0; b < bands; b++)
    if (count[b] > 0) {
      mean[b] = sum[b] / count[b];
      meanSquare[b] = sumSq[b] / count[b];
    }
  return { mean, meanSquare };
}

/** Offset and scale of each group: x_norm = (x - offset) / scale, inverted on the output. */
export interface GroupNormalization {
  offset: Float32Array;
  scale: Float32Array;
}

/**
 * Each group's mean and standard deviation over its bands (pooled moments). A flat group's scale is
 * floored at 1e-3 of the input's RMS, so it stays proportional to the input's units (a cube and the
 * same cube / 10000 normalise to the same numbers); an all-zero input gets scale 1.
 */
export function groupNormalization(plan: BandGroupPlan, moments: BandMoments): GroupNormalization {
  const { groups, groupSize, sources } = plan;
  let rms = 0;
  for (let b = 0; b < moments.meanSquare.length; b++) rms += moments.meanSquare[b];
  rms = Math.sqrt(rms / moments.meanSquare.length);
  const floor = rms > 0 ? 1e-3 * rms : 1;
  const offset = new Float32Array(groups);
  const scale = new Float32Array(groups);
  for (let g = 0; g < groups; g++) {
    let m = 0;
    let m2 = 0;
    for (let j = 0; j < groupSize; j++) {
      const b = sources[g * groupSize + j];
      m += moments.mean[b];
      m2 += moments.meanSquare[b];
    }
    m /= groupSize;
    m2 /= groupSize;
    offset[g] = m;
    scale[g] = Math.max(Math.sqrt(Math.max(m2 - m * m, 0)), floor);
  }
  return { offset, scale };
}
