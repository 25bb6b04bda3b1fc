// Issue 15: metrics skip no-data. Reference: a no-data block that covers whole rows leaves a crop
// whose metrics (pixel metrics on its pixels, SSIM on its windows) are exactly the masked ones.
import { describe, expect, it } from 'vitest';
import type { BipCube } from '../cube.js';
import { HsiValueError } from '../errors.js';
import { cropCube } from '../io/window.js';
import { computeMetrics } from './metrics.js';

const NO_DATA = -32768;
const rows = 20;
const cols = 18;
const bands = 3;

function pair(): { gt: BipCube; pred: BipCube } {
  const g = new Float32Array(rows * cols * bands);
  const p = new Float32Array(rows * cols * bands);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (let b = 0; b < bands; b++) {
        const i = (r * cols + c) * bands + b;
        g[i] = 0.4 + 0.3 * Math.sin(0.4 * r + 0.3 * c + b);
        p[i] = g[i] + 0.03 * Math.cos(1.7 * r - 0.9 * c + 2 * b);
      }
  return {
    gt: { rows, cols, bands, interleave: 'bip', data: g },
    pred: { rows, cols, bands, interleave: 'bip', data: p },
  };
}

describe('metrics skip no-data', () => {
  it('rows of no-data: every metric equals that of the valid rows alone', async () => {
    const { gt, pred } = pair();
    // Rows 14.. are no-data in the ground truth (one band is enough to drop a pixel).
    for (let r = 14; r < rows; r++)
      for (let c = 0; c < cols; c++) gt.data[(r * cols + c) * bands + 1] = NO_DATA;
    const win = { row: 0, col: 0, rows: 14, cols };
    const reference = await computeMetrics(cropCube('gt', gt, win), cropCube('pred', pred, win), {
      scale: 2,
    });
    const masked = await computeMetrics({ ...gt, noDataValue: NO_DATA }, pred, { scale: 2 });
    for (const k of ['mpsnr', 'mssim', 'sam', 'ergas', 'cc', 'rmse'] as const)
      expect(masked[k]).toBeCloseTo(reference[k], 9);
    // The option does the same as the cube's field; without either, no-data is scored as data.
    const byOption = await computeMetrics(gt, pred, { scale: 2, noDataValue: NO_DATA });
    expect(byOption.mpsnr).toBe(masked.mpsnr);
    const unmasked = await computeMetrics(gt, pred, { scale: 2 });
    expect(reference.mpsnr).toBeGreaterThan(30);
    expect(unmasked.mpsnr).toBeLessThan(0);
  });

  it('a lone no-data pixel in the prediction drops that pixel and the SSIM windows over it', async () => {
    const { gt, pred } = pair();
    const clean = await computeMetrics(gt, pred);
    pred.data[(10 * cols + 9) * bands + 2] = NO_DATA;
    const m = await computeMetrics(gt, pred, { noDataValue: NO_DATA });
    expect(m.rmse).not.toBe(clean.rmse);
    // By hand: the squared error of every valid sample, without pixel (10, 9).
    let se = 0;
    let n = 0;
    for (let i = 0; i < rows * cols; i++) {
      if (i === 10 * cols + 9) continue;
      for (let b = 0; b < bands; b++) {
        se += (gt.data[i * bands + b] - pred.data[i * bands + b]) ** 2;
        n++;
      }
    }
    expect(m.rmse).toBeCloseTo(Math.sqrt(se / n), 12);
    expect(Number.isFinite(m.mssim)).toBe(true);
  });

  it('all no-data is an HsiValueError', async () => {
    const { gt, pred } = pair();
    gt.data.fill(NO_DATA);
    await expect(computeMetrics(gt, pred, { noDataValue: NO_DATA })).rejects.toBeInstanceOf(
      HsiValueError,
    );
  });
});
