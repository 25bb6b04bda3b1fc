// No-data in file-to-file upscaling (ENVI `data ignore value`, GDAL nodata in a GeoTIFF): such
// samples are not data, so they must neither reach the network as numbers (an EnMAP -32768 next to
// reflectances of a few thousand rings through every neighbour) nor come out as numbers. They are
// filled with the band's mean over valid samples before the network, and the output samples whose
// LR parent was no-data are written back as no-data. See docs/ARCHITECTURE.md, "Data flow".

/** True when `v` is the no-data value (NaN matches a NaN no-data value). */
export function isNoData(v: number, noData: number): boolean {
  return v === noData || (Number.isNaN(noData) && Number.isNaN(v));
}

/** The no-data value as stored in float32 (an ENVI value such as -9999.9 is compared as stored). */
export function float32NoData(noData: number): number {
  return Math.fround(noData);
}

/**
 * Per-band mean, mean square and count of the valid samples of a BIP cube read in row blocks by
 * `readRows` (bounded memory; sums in float64); without a no-data value every sample is valid.
 * Bands with no valid sample get mean 0 (they stay no-data in the output anyway). Also says
 * whether any sample was no-data.
 */
export async function validBandStatistics(
  readRows: (row: number, count: number) => Promise<Float32Array>,
  rows: number,
  cols: number,
  bands: number,
  noData: number | undefined,
  blockRows = 64,
): Promise<{
  mean: Float64Array;
  meanSquare: Float64Array;
  count: Float64Array;
  anyNoData: boolean;
}> {
  const sum = new Float64Array(bands);
  const sumSq = new Float64Array(bands);
  const count = new Float64Array(bands);
  let anyNoData = false;
  for (let r = 0; r < rows; r += blockRows) {
    const n = Math.min(blockRows, rows - r);
    const data = await readRows(r, n);
    for (let i = 0, b = 0; i < n * cols * bands; i++) {
      const v = data[i];
      if (noData !== undefined && isNoData(v, noData)) anyNoData = true;
      else {
        sum[b] += v;
        sumSq[b] += v * v;
        count[b]++;
      }
      if (++b === bands) b = 0;
    }
  }
  const mean = new Float64Array(bands);
  const meanSquare = new Float64Array(bands);
  for (let b = 0; b < bands; b++)
    if (count[b] > 0) {
      mean[b] = sum[b] / count[b];
      meanSquare[b] = sumSq[b] / count[b];
    }
  return { mean, meanSquare, count, anyNoData };
}

/** Replaces the no-data samples of a BIP block by their band's fill value, in place. */
export function fillNoData(data: Float32Array, bands: number, noData: number, fill: Float32Array) {
  for (let i = 0, b = 0; i < data.length; i++) {
    if (isNoData(data[i], noData)) data[i] = fill[b];
    if (++b === bands) b = 0;
  }
}

/**
 * Writes no-data into HR rows `[hrRow, hrRow + hrRows)` (BIP, `cols * scale` wide) wherever the LR
 * parent sample (row / scale, col / scale, same band) is no-data in `lr` (BIP rows starting at
 * LR row `lrRow`, `cols` wide).
 */
export function restoreNoData(
  hr: Float32Array,
  hrRow: number,
  hrRows: number,
  lr: Float32Array,
  lrRow: number,
  cols: number,
  bands: number,
  scale: number,
  noData: number,
): void {
  const hrCols = cols * scale;
  for (let y = 0; y < hrRows; y++) {
    const ly = Math.floor((hrRow + y) / scale) - lrRow;
    for (let x = 0; x < hrCols; x++) {
      const lo = (ly * cols + Math.floor(x / scale)) * bands;
      const ho = (y * hrCols + x) * bands;
      for (let b = 0; b < bands; b++) if (isNoData(lr[lo + b], noData)) hr[ho + b] = noData;
    }
  }
}
