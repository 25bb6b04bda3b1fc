import { AnyBandConfigError } from './errors.js';

/**
 * How B bands are cut into overlapping groups of G neighbouring bands for the shared-weight core,
 * and how the groups' outputs are fused back (SSPSR's grouping, README.md in this folder).
 */
export interface BandGroupPlan {
  bands: number;
  groupSize: number;
  stride: number;
  /** Source band of each group's slot: groups x groupSize, row-major. */
  sources: Int32Array;
  groups: number;
  /** Fusion weight of each slot (same layout as `sources`), already divided by the band's total. */
  weights: Float32Array;
}

/** Band `i` of `bands`, mirrored at both ends without repeating the edge band (period 2(B-1)). */
export function reflectBand(i: number, bands: number): number {
  if (bands === 1) return 0;
  const period = 2 * (bands - 1);
  const m = ((i % period) + period) % period;
  return m < bands ? m : period - m;
}

/** Weight of slot j of a group: a tent that trusts a group's middle bands more than its edges. */
export function slotWeight(j: number, groupSize: number): number {
  return Math.min(j + 1, groupSize - j);
}

/**
 * Groups starting at 0, stride, 2*stride, ... and one flush with the last band when the stride does
 * not land there; B < G gives one group whose missing bands are reflected copies.
 */
export function planBandGroups(bands: number, groupSize: number, stride: number): BandGroupPlan {
  const int = (field: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      throw new AnyBandConfigError(field, `expected a positive integer, got ${v}`);
  };
  int('bands', bands);
  int('groupSize', groupSize);
  int('stride', stride);
  if (stride > groupSize)
    throw new AnyBandConfigError(
      'stride',
      `${stride} is larger than the group size ${groupSize}: some bands would be in no group`,
    );
  const starts: number[] = [];
  if (bands <= groupSize) starts.push(0);
  else {
    for (let s = 0; s + groupSize <= bands; s += stride) starts.push(s);
    if (starts[starts.length - 1] + groupSize < bands) starts.push(bands - groupSize);
  }
  const groups = starts.length;
  const sources = new Int32Array(groups * groupSize);
  const raw = new Float64Array(groups * groupSize);
  const total = new Float64Array(bands);
  for (let g = 0; g < groups; g++)
    for (let j = 0; j < groupSize; j++) {
      const b = reflectBand(starts[g] + j, bands);
      sources[g * groupSize + j] = b;
      raw[g * groupSize + j] = slotWeight(j, groupSize);
      total[b] += raw[g * groupSize + j];
    }
  const weights = new Float32Array(groups * groupSize);
  for (let k = 0; k < weights.length; k++) weights[k] = raw[k] / total[sources[k]];
  return { bands, groupSize, stride, sources, groups, weights };
}
