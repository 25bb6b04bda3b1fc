import { type Region, regionInside } from '../region.js';
import { HsiConfigError, HsiShapeError } from '../errors.js';

export type { Region };

/** Top-left corner of a square patch in image coordinates. */
export interface PatchPosition {
  row: number;
  col: number;
}

function positiveInt(field: string, v: number): void {
  if (!Number.isInteger(v) || v < 1)
    throw new HsiConfigError(field, `must be an integer >= 1, got ${v}`);
}

/**
 * Top-left corners of every `patchSize` square inside `region`, stepping by `stride` (SSPSR's
 * protocol: windows that would cross the region's edge are not taken).
 */
export function patchGrid(
  region: Region,
  patchSize: number,
  stride: number = patchSize,
): PatchPosition[] {
  positiveInt('patchSize', patchSize);
  positiveInt('stride', stride);
  const out: PatchPosition[] = [];
  for (let r = 0; r + patchSize <= region.rows; r += stride)
    for (let c = 0; c + patchSize <= region.cols; c += stride)
      out.push({ row: region.row + r, col: region.col + c });
  return out;
}

/**
 * Where the test data is: a band of rows `[start, end)` across the whole width (SSPSR crops the
 * test image off the top of a scene), or any rectangle.
 */
export type SplitSpec = { by: 'rows'; testRows: [number, number] } | { by: 'region'; test: Region };

export interface TrainTestSplit {
  /** Training patch corners: none of these patches touches the test region. */
  train: PatchPosition[];
  /** The held-out rectangle (cut it into tiles with `patchGrid(test, size)` if needed). */
  test: Region;
}

function intersects(a: Region, b: Region): boolean {
  return (
    a.row < b.row + b.rows &&
    b.row < a.row + a.rows &&
    a.col < b.col + b.cols &&
    b.col < a.col + a.cols
  );
}

/**
 * Splits a `rows x cols` scene into training patch corners and a test region that never overlap.
 * A row split grids the parts above and below the test band separately, so each starts its own
 * grid at its edge; a region split keeps the scene's grid and drops patches that touch the test.
 */
export function splitTrainTest(
  rows: number,
  cols: number,
  split: SplitSpec,
  patch: { patchSize: number; stride?: number },
): TrainTestSplit {
  const { patchSize } = patch;
  const stride = patch.stride ?? patchSize;
  positiveInt('rows', rows);
  positiveInt('cols', cols);
  if (split.by === 'rows') {
    const [start, end] = split.testRows;
    if (
      !(
        Number.isInteger(start) &&
        Number.isInteger(end) &&
        start >= 0 &&
        end > start &&
        end <= rows
      )
    )
      throw new HsiShapeError(
        `splitTrainTest: testRows [${start}, ${end}) is not inside the scene's ${rows} rows`,
      );
    const test = { row: start, col: 0, rows: end - start, cols };
    const above = patchGrid({ row: 0, col: 0, rows: start, cols }, patchSize, stride);
    const below = patchGrid({ row: end, col: 0, rows: rows - end, cols }, patchSize, stride);
    return { train: [...above, ...below], test };
  }
  if (split.by === 'region') {
    const test = split.test;
    if (!regionInside(test, rows, cols))
      throw new HsiShapeError(
        `splitTrainTest: test region rows ${test.row}..${test.row + test.rows}, cols ${test.col}..${test.col + test.cols} is not inside the ${rows} x ${cols} scene`,
      );
    const train = patchGrid({ row: 0, col: 0, rows, cols }, patchSize, stride).filter(
      (p) => !intersects({ row: p.row, col: p.col, rows: patchSize, cols: patchSize }, test),
    );
    return { train, test };
  }
  throw new HsiConfigError(
    'split.by',
    `must be 'rows' or 'region', got '${(split as { by?: string }).by}'`,
  );
}
