/**
 * Feathering weights along one axis, one array of `size` per tile, in the tile's own coordinates
 * (everything in output samples). A tile's weight is 0 within `overlap/4` of an interior border,
 * rises linearly to 1 at `overlap - overlap/4`, and is 1 elsewhere; the image borders get no ramp.
 * Weights are then divided by their sum over tiles, so they add up to exactly 1 everywhere: blending
 * has no seams, and a model whose receptive field is within `overlap/4` gives the whole-image result.
 */
export function axisBlendWeights(
  length: number,
  starts: number[],
  size: number,
  overlap: number,
): Float32Array[] {
  const m = Math.floor(overlap / 4);
  const rampEnd = overlap - m;
  const raw = starts.map((s) => {
    const w = new Float32Array(size);
    for (let q = 0; q < size; q++) {
      let v = 1;
      const fromLeft = q; // distance from this tile's left border
      const fromRight = size - 1 - q;
      if (s > 0 && overlap > 0) v = Math.min(v, ramp(fromLeft, m, rampEnd));
      if (s + size < length && overlap > 0) v = Math.min(v, ramp(fromRight, m, rampEnd));
      w[q] = v;
    }
    return w;
  });
  const sum = new Float64Array(length);
  starts.forEach((s, i) => {
    for (let q = 0; q < size; q++) sum[s + q] += raw[i][q];
  });
  starts.forEach((s, i) => {
    for (let q = 0; q < size; q++) {
      if (!(sum[s + q] > 0))
        throw new RangeError(
          `tiling leaves sample ${s + q} without weight (tile ${size}, overlap ${overlap})`,
        );
      raw[i][q] /= sum[s + q];
    }
  });
  return raw;
}

function ramp(d: number, zeroUntil: number, oneFrom: number): number {
  if (d < zeroUntil) return 0;
  if (d >= oneFrom) return 1;
  return (d - zeroUntil + 0.5) / (oneFrom - zeroUntil);
}
