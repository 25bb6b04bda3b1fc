import { type Cube, type CubeArray, sampleIndex } from '../cube.js';
import { HsiValueError } from '../errors.js';
import { type Region, regionInside } from '../region.js';

/**
 * A spatial window and/or band subset of a cube: rows `[row, row + rows)`, cols `[col, col + cols)`,
 * and the listed bands in the given order (all bands when `bands` is left out).
 */
export interface CubeWindow extends Region {
  bands?: number[];
}

/** A window with its band list spelled out: what the readers read. */
export type PixelWindow = Required<CubeWindow>;

/**
 * The window (the whole image when `undefined`) with its bands spelled out; throws `HsiValueError`
 * (field `window` or `window.bands`) unless it lies inside a `rows x cols x bands` cube.
 */
export function checkWindow(
  file: string,
  window: CubeWindow | undefined,
  shape: { rows: number; cols: number; bands: number },
): PixelWindow {
  const region = window ?? { row: 0, col: 0, rows: shape.rows, cols: shape.cols };
  const { row, col, rows, cols } = region;
  if (!regionInside(region, shape.rows, shape.cols)) {
    throw new HsiValueError(
      `rows ${row}..${row + rows - 1}, cols ${col}..${col + cols - 1} do not fit a ${shape.rows} x ${shape.cols} image`,
      { file, field: 'window' },
    );
  }
  const bands = window?.bands ?? Array.from({ length: shape.bands }, (_, k) => k);
  if (bands.length === 0)
    throw new HsiValueError('the band list is empty', { file, field: 'window.bands' });
  for (const b of bands) {
    if (!Number.isInteger(b) || b < 0 || b >= shape.bands)
      throw new HsiValueError(`band ${b} is not in 0..${shape.bands - 1}`, {
        file,
        field: 'window.bands',
      });
  }
  return { row, col, rows, cols, bands };
}

/** The window of an in-memory cube (same interleave and metadata, per-band lists subset). */
export function cropCube(file: string, cube: Cube, window: CubeWindow): Cube {
  const win = checkWindow(file, window, cube);
  const { row, col, rows, cols, bands } = win;
  const Ctor = cube.data.constructor as new (n: number) => CubeArray;
  const out = new Ctor(rows * cols * bands.length);
  const dst = { rows, cols, bands: bands.length, interleave: cube.interleave };
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (let k = 0; k < bands.length; k++)
        out[sampleIndex(dst, r, c, k)] = cube.data[sampleIndex(cube, row + r, col + c, bands[k])];
  const pick = <T>(list: T[] | undefined) => list && bands.map((b) => list[b]);
  const cropped: Cube = { ...cube, rows, cols, bands: bands.length, data: out };
  if (cube.wavelengths) cropped.wavelengths = pick(cube.wavelengths);
  if (cube.fwhm) cropped.fwhm = pick(cube.fwhm);
  if (cube.bandNames) cropped.bandNames = pick(cube.bandNames);
  return cropped;
}
