import { zlibSync } from 'fflate';
import { type Cube, type CubeArray, toInterleave } from '../cube.js';
import { HsiConfigError } from '../errors.js';
import { concatBytes } from './byte-source.js';
import { encodeSamples, type SampleType, sampleTypeOf } from './dtypes.js';
import { MI_COMPRESSED, MI_MATRIX } from './mat-v5.js';

/** MATLAB class code and data element type of each sample type. */
const MAT_TYPES: Record<SampleType, { mxClass: number; miType: number }> = {
  float64: { mxClass: 6, miType: 9 },
  float32: { mxClass: 7, miType: 7 },
  int8: { mxClass: 8, miType: 1 },
  uint8: { mxClass: 9, miType: 2 },
  int16: { mxClass: 10, miType: 3 },
  uint16: { mxClass: 11, miType: 4 },
  int32: { mxClass: 12, miType: 5 },
  uint32: { mxClass: 13, miType: 6 },
  int64: { mxClass: 14, miType: 12 },
  uint64: { mxClass: 15, miType: 13 },
};

export interface MatWriteOptions {
  /** Name of the cube variable (default `cube`). A `wavelengths` (bands x 1 double) variable is added when the cube has them. */
  variable?: string;
  /** Sample type to store (default: the cube's own). */
  sampleType?: SampleType;
  /** zlib-compress each variable (miCOMPRESSED, as MATLAB's default -v7 does). Default true. */
  compress?: boolean;
}

function element(type: number, payload: Uint8Array): Uint8Array {
  const padded = new Uint8Array(8 + Math.ceil(payload.length / 8) * 8);
  const view = new DataView(padded.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, payload.length, true);
  padded.set(payload, 8);
  return padded;
}

/** One miMATRIX element of a numeric array given column-major with MATLAB dims. */
function matrixElement(
  name: string,
  dims: number[],
  columnMajor: ArrayLike<number>,
  type: SampleType,
): Uint8Array<ArrayBuffer> {
  const { mxClass, miType } = MAT_TYPES[type];
  const flags = new Uint8Array(8);
  new DataView(flags.buffer).setUint32(0, mxClass, true);
  const dimBytes = new Uint8Array(4 * dims.length);
  dims.forEach((d, i) => {
    new DataView(dimBytes.buffer).setInt32(4 * i, d, true);
  });
  const parts = [
    element(6, flags),
    element(5, dimBytes),
    element(1, new TextEncoder().encode(name)),
    element(miType, encodeSamples(columnMajor, type, true)),
  ];
  return tagged(MI_MATRIX, concatBytes(parts, 8));
}

/** Writes the tag (type, byte count) into the first 8 bytes of `element` and returns it. */
function tagged(type: number, element: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const view = new DataView(element.buffer, element.byteOffset);
  view.setUint32(0, type, true);
  view.setUint32(4, element.length - 8, true);
  return element;
}

/** The bytes of a MAT v5 file holding the cube as a rows x cols x bands array (MATLAB's own layout). */
export function encodeMat(cube: Cube, opts: MatWriteOptions = {}): Uint8Array<ArrayBuffer>[] {
  const type = opts.sampleType ?? sampleTypeOf(cube.data);
  const name = opts.variable ?? 'cube';
  if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(name))
    throw new HsiConfigError('variable', `"${name}" is not a MATLAB variable name`);
  // Column-major (rows, cols, bands): (r, c, b) at r + c*rows + b*rows*cols, i.e. BSQ with each plane transposed.
  const bsq = toInterleave(cube, 'bsq');
  const { rows, cols, bands } = cube;
  const Ctor = bsq.data.constructor as new (n: number) => CubeArray;
  const colMajor = new Ctor(bsq.data.length);
  for (let b = 0; b < bands; b++) {
    const base = b * rows * cols;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) colMajor[base + r + c * rows] = bsq.data[base + r * cols + c];
  }
  const text = 'MATLAB 5.0 MAT-file, written by @hsrkit/hsi-data'.padEnd(116, ' ');
  const header = new Uint8Array(128);
  for (let i = 0; i < 116; i++) header[i] = text.charCodeAt(i);
  const hv = new DataView(header.buffer);
  hv.setUint16(124, 0x0100, true);
  header[126] = 0x49; // 'I'
  header[127] = 0x4d; // 'M': little-endian
  const variables = [matrixElement(name, [rows, cols, bands], colMajor, type)];
  if (cube.wavelengths)
    variables.push(matrixElement('wavelengths', [bands, 1], cube.wavelengths, 'float64'));
  const compress = opts.compress ?? true;
  return [
    header,
    ...variables.map((v) => {
      return compress ? tagged(MI_COMPRESSED, concatBytes([zlibSync(v, { level: 6 })], 8)) : v;
    }),
  ];
}
