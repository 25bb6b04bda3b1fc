import type * as tfTypes from '@tensorflow/tfjs';

/** Sample order of a cube's data: band-sequential, band-interleaved-by-line, by-pixel. */
export type Interleave = 'bsq' | 'bil' | 'bip';

/** The numeric typed arrays a cube can hold (64-bit integer files are widened to Float64Array). */
export type CubeArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/**
 * A hyperspectral cube in memory: `rows x cols x bands` samples in `data`, laid out as
 * `interleave` says, plus the metadata readers find and writers keep.
 */
export interface Cube {
  rows: number;
  cols: number;
  bands: number;
  interleave: Interleave;
  data: CubeArray;
  /** Band centre wavelengths, one per band, in `wavelengthUnits`. */
  wavelengths?: number[];
  wavelengthUnits?: string;
  fwhm?: number[];
  bandNames?: string[];
  /** Value that marks missing samples (ENVI `data ignore value`, GeoTIFF nodata). */
  noDataValue?: number;
  /** Divide stored values by this to get physical units (ENVI `reflectance scale factor`). */
  scaleFactor?: number;
  /** ENVI `map info` / GeoTIFF geo keys, passed through as read. */
  mapInfo?: string;
  coordinateSystem?: string;
  /** Any other header fields, kept so a writer can pass them through. */
  metadata?: Record<string, string | string[]>;
}

/** Offset of sample (row, col, band) in `data` for the cube's interleave. */
export function sampleIndex(
  cube: Pick<Cube, 'rows' | 'cols' | 'bands' | 'interleave'>,
  row: number,
  col: number,
  band: number,
): number {
  const { rows, cols, bands } = cube;
  switch (cube.interleave) {
    case 'bsq':
      return (band * rows + row) * cols + col;
    case 'bil':
      return (row * bands + band) * cols + col;
    case 'bip':
      return (row * cols + col) * bands + band;
  }
}

/** A copy of the cube with its data re-ordered to `interleave` (the same cube if it already is). */
export function toInterleave(cube: Cube, interleave: Interleave): Cube {
  if (cube.interleave === interleave) return cube;
  const { rows, cols, bands } = cube;
  const Ctor = cube.data.constructor as new (n: number) => CubeArray;
  const out = new Ctor(rows * cols * bands);
  const dst = { rows, cols, bands, interleave };
  for (let r = 0; r < rows; r++)
    for (let b = 0; b < bands; b++)
      for (let c = 0; c < cols; c++)
        out[sampleIndex(dst, r, c, b)] = cube.data[sampleIndex(cube, r, c, b)];
  return { ...cube, interleave, data: out };
}

/**
 * `[rows, cols, bands]` float32 tensor of the cube. A BIP float32 cube is handed to TF.js as is
 * (no extra JS copy); anything else is converted once.
 */
export function cubeToTensor(tf: typeof tfTypes, cube: Cube): tfTypes.Tensor3D {
  const bip = toInterleave(cube, 'bip');
  const values = bip.data instanceof Float32Array ? bip.data : Float32Array.from(bip.data);
  return tf.tensor3d(values, [cube.rows, cube.cols, cube.bands], 'float32');
}

/** A BIP float32 cube from a `[rows, cols, bands]` (or `[1, rows, cols, bands]`) tensor. */
export async function tensorToCube(
  tensor: tfTypes.Tensor,
  meta: Omit<Cube, 'rows' | 'cols' | 'bands' | 'interleave' | 'data'> = {},
): Promise<Cube> {
  const shape =
    tensor.shape.length === 4 && tensor.shape[0] === 1 ? tensor.shape.slice(1) : tensor.shape;
  if (shape.length !== 3)
    throw new RangeError(`tensorToCube: expected [rows, cols, bands], got [${tensor.shape}]`);
  const data = (await tensor.data()) as Float32Array;
  return {
    ...meta,
    rows: shape[0],
    cols: shape[1],
    bands: shape[2],
    interleave: 'bip',
    data: new Float32Array(data),
  };
}
