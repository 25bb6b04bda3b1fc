// Float64 references of the alignment losses, written from their definitions (NHWC flat arrays).
export function refCosine(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: number,
  eps = 1e-8,
): number[] {
  const out: number[] = [];
  for (let p = 0; p < a.length / c; p++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0; k < c; k++) {
      dot += a[p * c + k] * b[p * c + k];
      na += a[p * c + k] ** 2;
      nb += b[p * c + k] ** 2;
    }
    out.push(dot / (Math.sqrt(na + eps) * Math.sqrt(nb + eps)));
  }
  return out;
}

export const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

export function refSam(a: ArrayLike<number>, b: ArrayLike<number>, c: number): number {
  return mean(refCosine(a, b, c).map((x) => Math.acos(Math.min(1 - 1e-6, Math.max(-1 + 1e-6, x)))));
}

export function refGradient(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  [n, h, w, c]: number[],
): number {
  const at = (x: ArrayLike<number>, i: number, y: number, z: number, k: number) =>
    x[((i * h + y) * w + z) * c + k];
  let sy = 0;
  let sx = 0;
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let z = 0; z < w; z++)
        for (let k = 0; k < c; k++) {
          if (y + 1 < h)
            sy += Math.abs(
              at(a, i, y + 1, z, k) -
                at(a, i, y, z, k) -
                (at(b, i, y + 1, z, k) - at(b, i, y, z, k)),
            );
          if (z + 1 < w)
            sx += Math.abs(
              at(a, i, y, z + 1, k) -
                at(a, i, y, z, k) -
                (at(b, i, y, z + 1, k) - at(b, i, y, z, k)),
            );
        }
  return (sy / (n * (h - 1) * w * c) + sx / (n * h * (w - 1) * c)) / 2;
}

/** Per-band mean PSNR (peak 1) of NHWC-flat images of `bands` channels. */
export function refMpsnr(gt: ArrayLike<number>, pred: ArrayLike<number>, bands: number): number {
  const psnrs: number[] = [];
  for (let b = 0; b < bands; b++) {
    let se = 0;
    let n = 0;
    for (let i = b; i < gt.length; i += bands) {
      se += (gt[i] - pred[i]) ** 2;
      n++;
    }
    psnrs.push(10 * Math.log10(1 / (se / n)));
  }
  return mean(psnrs);
}
