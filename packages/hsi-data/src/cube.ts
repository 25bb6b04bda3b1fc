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

/** Distance in `data` between neighbouring rows, cols and bands of a cube in `interleave`. */
export function interleaveStrides(
  shape: Pick<Cube, 'rows' | 'cols' | 'bands'>,
  interleave: Interleave,
): { row: number; col: number; band: number } {
  const { rows, cols, bands } = shape;
  switch (interleave) {
    case 'bsq':
      return { row: cols, col: 1, band: rows * cols };
    case 'bil':
      return { row: bands * cols, col: 1, band: cols };
    case 'bip':
      return { row: cols * bands, col: bands, band: 1 };
  }
}

/** Everything of a cube but its shape, interleave and samples: what readers find and writers keep. */
export type CubeMetadata = Omit<Cube, 'rows' | 'cols' | 'bands' | 'interleave' | 'data'>;

/**
 * A cube whose samples are band-interleaved-by-pixel float32 (`[rows, cols, bands]` in C order):
 * what models, tensors, metrics and previews consume. `toBipCube` makes one from any cube.
 */
export type BipCube = Omit<Cube, 'interleave' | 'data'> & { interleave: 'bip'; data: Float32Array };

/**
 * The cube as BIP float32, metadata kept. A BIP Float32Array cube is returned as it is (no copy);
 * anything else is re-ordered and converted in one pass.
 */
export function toBipCube(cube: Cube): BipCube {
  if (cube.interleave === 'bip' && cube.data instanceof Float32Array) return cube as BipCube;
  const data = new Float32Array(cube.data.length);
  reorderSamples(cube, cube.data, cube.interleave, data, 'bip');
  return { ...cube, interleave: 'bip', data };
}

/** Offset of sample (row, col, band) in `data` for the cube's interleave. */
export function sampleIndex(
  cube: Pick<Cube, 'rows' | 'cols' | 'bands' | 'interleave'>,
  row: number,
  col: number,
  band: number,
): number {
  const s = interleaveStrides(cube, cube.interleave);
  return row * s.row + col * s.col + band * s.band;
}

/**
 * Copies the samples of a `rows x cols x bands` cube from `src` (in `from` order) into `dst` (in `to`
 * order), converting as typed arrays do. Plain strided loops, innermost along `dst`: this runs on
 * tens of millions of samples, so no per-sample function call.
 */
export function reorderSamples(
  shape: Pick<Cube, 'rows' | 'cols' | 'bands'>,
  src: ArrayLike<number>,
  from: Interleave,
  dst: CubeArray,
  to: Interleave,
): void {
  const { rows, cols, bands } = shape;
  const s = interleaveStrides(shape, from);
  if (to === 'bip') {
    let o = 0;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const base = r * s.row + c * s.col;
        for (let b = 0; b < bands; b++) dst[o++] = src[base + b * s.band];
      }
  } else if (to === 'bil') {
    let o = 0;
    for (let r = 0; r < rows; r++)
      for (let b = 0; b < bands; b++) {
        const base = r * s.row + b * s.band;
        for (let c = 0; c < cols; c++) dst[o++] = src[base + c * s.col];
      }
  } else {
    let o = 0;
    for (let b = 0; b < bands; b++)
      for (let r = 0; r < rows; r++) {
        const base = r * s.row + b * s.band;
        for (let c = 0; c < cols; c++) dst[o++] = src[base + c * s.col];
      }
  }
}

/** A copy of the cube with its data re-ordered to `interleave` (the same cube if it already is). */
export function toInterleave(cube: Cube, interleave: Interleave): Cube {
  if (cube.interleave === interleave) return cube;
  const Ctor = cube.data.constructor as new (n: number) => CubeArray;
  const out = new Ctor(cube.data.length);
  reorderSamples(cube, cube.data, cube.interleave, out, interleave);
  return { ...cube, interleave, data: out };
}

/**
 * `[rows, cols, bands]` float32 tensor of the cube. A BIP float32 cube is handed to TF.js as is
 * (no extra JS copy); anything else is converted once.
 */
export function cubeToTensor(tf: typeof tfTypes, cube: Cube): tfTypes.Tensor3D {
  return tf.tensor3d(toBipCube(cube).data, [cube.rows, cube.cols, cube.bands], 'float32');
}

/** A BIP float32 cube from a `[rows, cols, bands]` (or `[1, rows, cols, bands]`) tensor. */
export async function tensorToCube(
  tensor: tfTypes.Tensor,
  meta: CubeMetadata = {},
): Promise<BipCube> {
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
