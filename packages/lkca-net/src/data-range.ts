// The data range SR papers score PSNR and SSIM with: the ground truth's peak. Its home is
// @hsrkit/hsi-data's metrics (docs/ARCHITECTURE.md "Where each concept lives"); here until then.
import type { Cube } from '@hsrkit/hsi-data';

/** The largest sample of a cube (-Infinity for an empty one; NaN samples are skipped). */
export function cubeMax(cube: Pick<Cube, 'data'>): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of cube.data) if (v > max) max = v;
  return max;
}
