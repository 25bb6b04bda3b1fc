import { type Cube, type CubeArray, sampleIndex } from '../cube.js';
import { HsiDataValueError } from './errors.js';

/**
 * A spatial window and/or band subset of a cube: rows `[row, row + rows)`, cols `[col, col + cols)`,
 * and the listed bands in the given order (all bands when `bands` is left out).
 */
export interface CubeWindow {
  row: number;
  col: number;
  rows: number;
  cols: number;
  bands?: number[];
}

/** Throws `HsiDataValueError` (field `window`) unless the window lies inside a `rows x cols x bands` cube. */
export function checkWindow(
  file: string,
  window: CubeWindow,
  shape: { rows: number; cols: number; bands: number },
): { row: number; col: number; rows: number; cols: number; bands: number[] } {
  const { row, col, rows, cols } = window;
  const ints = [row, col, rows, cols].every((v) => Number.isInteger(v));
  if (
    !ints ||
    row < 0 ||
    col < 0 ||
    rows < 1 ||
    cols < 1 ||
    row + rows > shape.rows ||
    col + cols > shape.cols
  ) {
    throw new HsiDataValueError(
      file,
      'window',
      `rows ${row}..${row + rows - 1}, cols ${col}..${col + cols - 1} do not fit a ${shape.rows} x ${shape.cols} image`,
    );
  }
  const bands = window.bands ?? Array.from({ length: shape.bands }, (_, k) => k);
  if (bands.length === 0)
    throw new HsiDataValueError(file, 'window.bands', 'the band list is empty');
  for (const b of bands) {
    if (!Number.isInteger(b) || b < 0 || b >= shape.bands) {
      throw new HsiDataValueError(
        file,
        'window.bands',
        `band ${b} is not in 0..${shape.bands - 1}`,
      );
    }
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
