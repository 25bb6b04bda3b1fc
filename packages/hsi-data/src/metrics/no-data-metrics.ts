// Metrics that skip no-data (ENVI `data ignore value`, GDAL nodata): a pixel where the ground
// truth or the prediction holds the no-data value in any band is not scored. PSNR, ERGAS, CC,
// RMSE and SAM do not depend on where pixels are, so they are computed on the valid pixels alone;
// SSIM keeps its windows but skips every window that touches a no-data pixel.
import type { BipImage } from '../prep/cube-input.js';
import { METRIC_NAMES, type MetricName } from './metric-names.js';
import { SsimPlanes, type SsimWindow } from './ssim.js';

function isNoData(v: number, noData: number): boolean {
  return v === noData || (Number.isNaN(noData) && Number.isNaN(v));
}

/** 1 for each pixel (row-major) where `gt` or `pred` is no-data in any band. */
export function noDataPixels(gt: BipImage, pred: BipImage, noData: number): Uint8Array {
  const { rows, cols, bands } = gt;
  const nd = Math.fround(noData);
  const out = new Uint8Array(rows * cols);
  for (let i = 0; i < rows * cols; i++)
    for (let b = 0; b < bands; b++)
      if (isNoData(gt.data[i * bands + b], nd) || isNoData(pred.data[i * bands + b], nd)) {
        out[i] = 1;
        break;
      }
  return out;
}

/** The pixels not in `masked`, as a 1-row image (order kept). */
export function validPixels(img: BipImage, masked: Uint8Array, count: number): BipImage {
  const { bands } = img;
  const data = new Float32Array(count * bands);
  let o = 0;
  for (let i = 0; i < masked.length; i++)
    if (!masked[i]) {
      data.set(img.data.subarray(i * bands, (i + 1) * bands), o);
      o += bands;
    }
  return { rows: 1, cols: count, bands, data };
}

/** 1 for each k x k window (row-major, 'valid' positions) that contains no masked pixel. */
export function usableWindows(masked: Uint8Array, rows: number, cols: number, k: number) {
  // Summed-area table of the mask: a window's count of masked pixels in four look-ups.
  const sat = new Int32Array((rows + 1) * (cols + 1));
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      sat[(r + 1) * (cols + 1) + c + 1] =
        masked[r * cols + c] +
        sat[r * (cols + 1) + c + 1] +
        sat[(r + 1) * (cols + 1) + c] -
        sat[r * (cols + 1) + c];
  const outRows = rows - k + 1;
  const outCols = cols - k + 1;
  const out = new Uint8Array(outRows * outCols);
  for (let r = 0; r < outRows; r++)
    for (let c = 0; c < outCols; c++) {
      const n =
        sat[(r + k) * (cols + 1) + c + k] -
        sat[r * (cols + 1) + c + k] -
        sat[(r + k) * (cols + 1) + c] +
        sat[r * (cols + 1) + c];
      out[r * outCols + c] = n === 0 ? 1 : 0;
    }
  return out;
}

/** Mean over bands of the SSIM over windows that touch no masked pixel. */
export function maskedMeanSsim(
  gt: BipImage,
  pred: BipImage,
  masked: Uint8Array,
  window: SsimWindow,
  dataRange: number,
): number {
  const { rows, cols, bands } = gt;
  const n = rows * cols;
  const usable = usableWindows(masked, rows, cols, window.size);
  const planes = new SsimPlanes(rows, cols, window, dataRange);
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  let sum = 0;
  for (let b = 0; b < bands; b++) {
    for (let i = 0; i < n; i++) {
      x[i] = gt.data[i * bands + b];
      y[i] = pred.data[i * bands + b];
    }
    sum += planes.band(x, y, usable);
  }
  return sum / bands;
}

/** The metric names but SSIM (computed on the 1-row image of valid pixels). */
export const PIXEL_METRICS: readonly MetricName[] = METRIC_NAMES.filter((m) => m !== 'mssim');
