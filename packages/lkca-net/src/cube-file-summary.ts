// What `lkca info` reports about a cube file. Its home is @hsrkit/hsi-data (reading and
// describing cubes, docs/ARCHITECTURE.md "Where each concept lives"); it lives here until hsi-data
// has it.
import {
  type CubeInfo,
  cubeInfo,
  type ReadCubeOptions,
  readCubeWindow,
} from '@hsrkit/hsi-data/node';

/** Which cube of the file, where the file alone cannot say (an HDF5 dataset and band axis, a MAT variable). */
export type CubeSelection = Pick<ReadCubeOptions, 'dataset' | 'bandAxis' | 'variable'>;

/** Min and max of a cube's valid samples, and how many are not valid (no-data, NaN, +-Inf). */
export interface ValidSampleRange {
  min: number;
  max: number;
  invalid: number;
}

export interface CubeFileSummary extends CubeInfo {
  noDataValue?: number;
  scaleFactor?: number;
  range: ValidSampleRange;
}

/** Pixels (rows x cols) read at once by validSampleRange. (A .mat file is decoded whole for
 * each window: few, large blocks.) */
const BLOCK_PIXELS = 4_000_000;

/** The valid-data range of a cube file, read in blocks of rows so memory stays bounded. */
export async function validSampleRange(
  file: string,
  info: Pick<CubeInfo, 'rows' | 'cols'>,
  noData?: number,
  select: CubeSelection = {},
): Promise<ValidSampleRange> {
  const { rows, cols } = info;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let invalid = 0;
  const block = Math.max(1, Math.floor(BLOCK_PIXELS / Math.max(1, cols)));
  for (let r = 0; r < rows; r += block) {
    const window = { row: r, col: 0, rows: Math.min(block, rows - r), cols };
    const c = await readCubeWindow(file, window, { ...select, nonFinite: 'keep' });
    for (const v of c.data) {
      if (!Number.isFinite(v) || v === noData) invalid++;
      else {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  return { min, max, invalid };
}

/** Shape, storage, wavelengths, no-data value and valid-data range of a cube file. */
export async function summarizeCubeFile(
  file: string,
  select: CubeSelection = {},
): Promise<CubeFileSummary> {
  const info = await cubeInfo(file, select);
  const first = await readCubeWindow(
    file,
    { row: 0, col: 0, rows: 1, cols: 1 },
    { ...select, nonFinite: 'keep' },
  );
  return {
    ...info,
    noDataValue: first.noDataValue,
    scaleFactor: first.scaleFactor,
    range: await validSampleRange(file, info, first.noDataValue, select),
  };
}
