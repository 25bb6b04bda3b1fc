// NPY arrays over bytes. The path-taking functions (`readNpy(file)` ...) are in
// '@hsrkit/hsi-data/node' (src/node/npy-files.ts).
import { type Cube, type CubeArray, type Interleave, toInterleave } from '../cube.js';
import { HsiFormatError } from '../errors.js';
import {
  type ByteInput,
  type ByteSource,
  readRange,
  sourceName,
  toByteSource,
} from './byte-source.js';
import { HOST_LITTLE_ENDIAN, type SampleType, sampleTypeOf, samplesAsBytes } from './dtypes.js';
import { applyNonFinitePolicy } from './finite.js';
import { checkRawSize, type RawLayout, readRawRegion } from './raw-raster.js';
import type { CubeInfo, ReadOptions } from './types.js';
import { type CubeWindow, checkWindow } from './window.js';

/** How the three axes of a .npy array map to a cube. */
export type NpyAxes =
  /** `(rows, cols, bands)`, as numpy / scikit-image / TF use (default). */
  | 'rows-cols-bands'
  /** `(bands, rows, cols)`, as PyTorch and many HSI loaders use. */
  | 'bands-rows-cols';

export interface NpyReadOptions extends ReadOptions {
  axes?: NpyAxes;
}

export interface NpyWriteOptions {
  /** Sample type to store (default: the cube's own). */
  sampleType?: SampleType;
  /** Axis order of the stored array (default `rows-cols-bands`). Always C order, little-endian. */
  axes?: NpyAxes;
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const DESCR_TYPES: Record<string, SampleType> = {
  i1: 'int8',
  u1: 'uint8',
  b1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  u8: 'uint64',
  f4: 'float32',
  f8: 'float64',
};

/** The parsed header of a .npy file. */
export interface NpyHeader {
  sampleType: SampleType;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Bytes before the array data. */
  dataOffset: number;
}

/** Parse the header of a .npy file from its first bytes (format versions 1, 2 and 3). */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  if (bytes.length < 10 || NPY_MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new HsiFormatError(file, 'magic', 'not a .npy file (no \\x93NUMPY magic)');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (major < 1 || major > 3)
    throw new HsiFormatError(file, 'version', `unsupported .npy format version ${major}`);
  const headerLen = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (bytes.length < start + headerLen) {
    throw new HsiFormatError(
      file,
      'header',
      `the header needs ${start + headerLen} bytes, the file has ${bytes.length}`,
    );
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + headerLen),
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined)
    throw new HsiFormatError(file, 'descr', `no dtype in the header "${text.trim()}"`);
  if (fortran === undefined)
    throw new HsiFormatError(file, 'fortran_order', `missing in the header "${text.trim()}"`);
  if (shapeText === undefined)
    throw new HsiFormatError(file, 'shape', `missing in the header "${text.trim()}"`);
  const order = descr[0];
  const sampleType = DESCR_TYPES[descr.slice(1)];
  if (!'<>|='.includes(order) || !sampleType) {
    throw new HsiFormatError(
      file,
      'descr',
      `unsupported dtype '${descr}' (supported: int/uint 8-64 bit, float32, float64, bool)`,
    );
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new HsiFormatError(file, 'shape', `bad shape (${shapeText})`);
  return {
    sampleType,
    littleEndian: order === '<' || order === '|' || (order === '=' && HOST_LITTLE_ENDIAN),
    fortranOrder: fortran === 'True',
    shape,
    dataOffset: start + headerLen,
  };
}

async function readNpyHeader(source: ByteSource): Promise<NpyHeader> {
  const head = await readRange(source, 0, Math.min(source.size, 65536 + 12), 'header');
  return parseNpyHeader(head, sourceName(source));
}

/** Cube geometry of a 3-D .npy array. The raw interleave is that of the array as stored (C order). */
function npyLayout(
  file: string,
  header: NpyHeader,
  axes: NpyAxes,
): RawLayout & { fortran: boolean } {
  if (header.shape.length !== 3) {
    throw new HsiFormatError(
      file,
      'shape',
      `a cube needs a 3-D array, this one is (${header.shape.join(', ')})`,
    );
  }
  // Fortran order of (a, b, c) is C order of (c, b, a).
  const [d0, d1, d2] = header.fortranOrder ? [...header.shape].reverse() : header.shape;
  const rcb = axes === 'rows-cols-bands';
  let rows: number;
  let cols: number;
  let bands: number;
  let interleave: Interleave;
  if (!header.fortranOrder) {
    [rows, cols, bands] = rcb ? [d0, d1, d2] : [d1, d2, d0];
    interleave = rcb ? 'bip' : 'bsq';
  } else {
    // Stored C-order (d0, d1, d2) = (bands, cols, rows) for rcb; (cols, rows, bands) for brc.
    [rows, cols, bands] = rcb ? [d2, d1, d0] : [d1, d0, d2];
    interleave = rcb ? 'bsq' : 'bip';
  }
  return {
    rows,
    cols,
    bands,
    headerOffset: header.dataOffset,
    sampleType: header.sampleType,
    interleave,
    littleEndian: header.littleEndian,
    fortran: header.fortranOrder,
  };
}

/** Shape, sample type and byte order of a .npy cube, from its header. */
export async function npyInfoFrom(
  input: ByteInput,
  opts: { axes?: NpyAxes } = {},
): Promise<CubeInfo> {
  const source = toByteSource(input);
  const file = sourceName(source);
  const header = await readNpyHeader(source);
  const layout = npyLayout(file, header, opts.axes ?? 'rows-cols-bands');
  checkRawSize(source, layout, `${file} header (shape ${header.shape.join('x')})`, false);
  return {
    format: 'npy',
    file,
    dataFile: file,
    rows: layout.rows,
    cols: layout.cols,
    bands: layout.bands,
    sampleType: layout.sampleType,
    interleave: layout.interleave,
    littleEndian: layout.littleEndian,
    headerOffset: header.dataOffset,
  };
}

/**
 * A Fortran-order array holds a cube transposed within each plane (cols x rows). The samples are read
 * as a "cube" with rows and cols swapped; this swaps them back.
 */
function untranspose(
  data: CubeArray,
  swapped: { rows: number; cols: number; bands: number; interleave: Interleave },
): { data: CubeArray; interleave: Interleave } {
  const { rows: sr, cols: sc, bands } = swapped;
  const Ctor = data.constructor as new (n: number) => CubeArray;
  const out = new Ctor(data.length);
  if (swapped.interleave === 'bip') {
    // stored (cols, rows, bands) C order -> cube (rows, cols, bands) BIP
    for (let c = 0; c < sr; c++)
      for (let r = 0; r < sc; r++)
        for (let b = 0; b < bands; b++)
          out[(r * sr + c) * bands + b] = data[(c * sc + r) * bands + b];
    return { data: out, interleave: 'bip' };
  }
  // stored (bands, cols, rows) C order -> cube BSQ (bands, rows, cols)
  for (let b = 0; b < bands; b++)
    for (let c = 0; c < sr; c++)
      for (let r = 0; r < sc; r++) out[(b * sc + r) * sr + c] = data[(b * sr + c) * sc + r];
  return { data: out, interleave: 'bsq' };
}

async function readNpyRegion(
  input: ByteInput,
  window: CubeWindow | undefined,
  opts: NpyReadOptions,
): Promise<Cube> {
  const source = toByteSource(input);
  const file = sourceName(source);
  const header = await readNpyHeader(source);
  const layout = npyLayout(file, header, opts.axes ?? 'rows-cols-bands');
  checkRawSize(source, layout, `${file} header (shape ${header.shape.join('x')})`, false);
  const win = checkWindow(file, window, layout);
  let cube: Cube;
  if (!layout.fortran) {
    const data = await readRawRegion(source, layout, win, opts);
    cube = {
      rows: win.rows,
      cols: win.cols,
      bands: win.bands.length,
      interleave: layout.interleave,
      data,
    };
  } else {
    // Fortran order: read the transposed window (cols and rows swapped), then swap back.
    const swapped = { ...layout, rows: layout.cols, cols: layout.rows };
    const swappedWin = {
      row: win.col,
      col: win.row,
      rows: win.cols,
      cols: win.rows,
      bands: win.bands,
    };
    const data = await readRawRegion(source, swapped, swappedWin, opts);
    const fixed = untranspose(data, {
      rows: win.cols,
      cols: win.rows,
      bands: win.bands.length,
      interleave: layout.interleave,
    });
    cube = { rows: win.rows, cols: win.cols, bands: win.bands.length, ...fixed };
  }
  applyNonFinitePolicy(file, 'data', cube, opts.nonFinite ?? 'error');
  return cube;
}

/** Read a 3-D .npy array (any byte order, C or Fortran order) as a cube. */
export function readNpyFrom(input: ByteInput, opts: NpyReadOptions = {}): Promise<Cube> {
  return readNpyRegion(input, undefined, opts);
}

/** Read a window of a 3-D .npy array, reading only the byte ranges it needs. */
export function readNpyWindowFrom(
  input: ByteInput,
  window: CubeWindow,
  opts: NpyReadOptions = {},
): Promise<Cube> {
  return readNpyRegion(input, window, opts);
}

const TYPE_DESCR: Record<SampleType, string> = {
  int8: '|i1',
  uint8: '|u1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
  uint64: '<u8',
  float32: '<f4',
  float64: '<f8',
};

/** The bytes of a .npy file (format 1.0, or 2.0 for a huge header) holding the cube. */
export function encodeNpy(cube: Cube, opts: NpyWriteOptions = {}): Uint8Array<ArrayBuffer>[] {
  const sampleType = opts.sampleType ?? sampleTypeOf(cube.data);
  const rcb = (opts.axes ?? 'rows-cols-bands') === 'rows-cols-bands';
  const ordered = toInterleave(cube, rcb ? 'bip' : 'bsq');
  const shape = rcb ? [cube.rows, cube.cols, cube.bands] : [cube.bands, cube.rows, cube.cols];
  const dict = `{'descr': '${TYPE_DESCR[sampleType]}', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const v1 = dict.length + 11 <= 65535;
  const prefix = v1 ? 10 : 12;
  // Pad with spaces so the data starts on a 64-byte boundary, ending in a newline.
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const headerText = dict + ' '.repeat(total - prefix - dict.length - 1) + '\n';
  const head = new Uint8Array(prefix + headerText.length);
  head.set(NPY_MAGIC, 0);
  head[6] = v1 ? 1 : 2;
  head[7] = 0;
  const view = new DataView(head.buffer);
  if (v1) view.setUint16(8, headerText.length, true);
  else view.setUint32(8, headerText.length, true);
  for (let i = 0; i < headerText.length; i++) head[prefix + i] = headerText.charCodeAt(i);
  return [head, samplesAsBytes(ordered.data, sampleType, true)];
}
