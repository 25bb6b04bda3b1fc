// MATLAB .mat files over bytes (v5, and v7.3 through h5wasm). The path-taking functions
// (`readMat(file)` ...) are in '@hsrkit/hsi-data/node' (src/node/mat-files.ts); both open a
// `MatContainer` and share everything after that.
import type { Cube, CubeArray } from '../cube.js';
import { HsiFormatError, HsiTruncatedError } from '../errors.js';
import {
  type ByteInput,
  type ByteSource,
  readAll,
  readRange,
  sourceName,
  throwIfAborted,
  toByteSource,
} from './byte-source.js';
import { applyNonFinitePolicy } from './finite.js';
import { isMatV5, type MatDecodeOptions, type MatVariable, parseMatV5 } from './mat-v5.js';
import { checkHdf5Length, isMatV73, openMatV73Bytes } from './mat-v73.js';
import type { CubeInfo, ReadOptions } from './types.js';

/** Order of the pixels along the pixel axis of a 2-D `bands x pixels` (or `pixels x bands`) matrix. */
export type PixelOrder =
  /** MATLAB's own `reshape`: pixel p is (row p mod rows, col floor(p / rows)) - Jasper Ridge, Samson. */
  | 'column-major'
  /** Pixel p is (row floor(p / cols), col p mod cols) - Moffett (PLMM demo data). */
  | 'row-major';

export interface MatPixelsOption {
  /** Image rows: a number, or the name of a scalar variable in the file (default: `nRow`, `H`, `rows`). */
  rows?: number | string;
  /** Image cols: a number, or the name of a scalar variable (default: `nCol`, `W`, `cols`). */
  cols?: number | string;
  order: PixelOrder;
}

export interface MatReadOptions extends ReadOptions {
  /** The variable to read. Default: the largest 3-D numeric array (or, with `pixels`, the largest 2-D one that fits). */
  variable?: string;
  /** Reshape a 2-D bands x pixels (or pixels x bands) matrix into a rows x cols cube. */
  pixels?: MatPixelsOption;
}

/** A variable of a MAT file as listed by `listMatVariables` (no data). */
export type MatVariableInfo = Omit<MatVariable, 'data'>;

/** A MAT-file opened for reading: its version, byte order, and its variables on demand. */
export interface MatContainer {
  file: string;
  version: 'v5' | 'v7.3';
  littleEndian: boolean;
  /** The top-level variables; which are decoded is up to `opts`. */
  variables(opts: MatDecodeOptions): Promise<MatVariable[]> | MatVariable[];
  close(): Promise<void> | void;
}

/** Scalar variables that give an image's rows and cols when `pixels` does not name them. */
const PIXEL_AXIS_NAMES = {
  rows: ['nRow', 'H', 'rows', 'nrow'],
  cols: ['nCol', 'W', 'cols', 'ncol'],
};

/** Variables whose values, one per band, `readMat` takes as the band wavelengths. */
const WAVELENGTH_NAMES = new Set(['wavelengths', 'wavelength', 'wl', 'lambda']);

/**
 * Bytes of a file's start to read first: the version (v5: 128 bytes; v7.3: the HDF5 superblock
 * after a 512-byte user block) and the superblock's recorded length, wherever its user block ends.
 */
export const MAT_HEAD_BYTES = 4096;

/** The MAT version and byte order of a file from its first bytes (at least 128; 528 to tell v7.3). */
export function matVersionOf(
  head: Uint8Array,
  file: string,
): { version: MatContainer['version']; littleEndian: boolean } {
  if (head.length < 128) throw new HsiTruncatedError(file, 'header', 128, head.length);
  if (isMatV73(head)) return { version: 'v7.3', littleEndian: true };
  if (isMatV5(head)) return { version: 'v5', littleEndian: head[126] === 0x49 };
  const text = new TextDecoder('latin1').decode(head.subarray(0, 40)).replace(/[^\x20-\x7e]/g, '?');
  throw new HsiFormatError(file, 'header', `not a MATLAB v5 or v7.3 MAT-file (starts "${text}")`);
}

/** A v5 file's container over its bytes. */
export function matV5Container(bytes: Uint8Array, file: string): MatContainer {
  const { littleEndian } = matVersionOf(bytes.subarray(0, 528), file);
  return {
    file,
    version: 'v5',
    littleEndian,
    variables: (opts) => parseMatV5(bytes, file, opts),
    close: () => {},
  };
}

/** Opens a MAT-file held by a byte source (read whole: MAT variables are decoded whole anyway). */
export async function openMatSource(source: ByteSource): Promise<MatContainer> {
  const file = sourceName(source);
  const head = await readRange(source, 0, Math.min(source.size, MAT_HEAD_BYTES), 'header');
  const { version } = matVersionOf(head, file);
  if (version === 'v5') return matV5Container(await readAll(source), file);
  checkHdf5Length(head, source.size, file); // before reading a truncated file whole
  const v73 = await openMatV73Bytes(await readAll(source), file);
  return { file, version, littleEndian: true, variables: v73.variables, close: v73.close };
}

/** Runs `use` on an opened container and closes it, whatever happens. */
export async function withMatContainer<T>(
  open: Promise<MatContainer>,
  use: (mat: MatContainer) => Promise<T>,
): Promise<T> {
  const mat = await open;
  try {
    return await use(mat);
  } finally {
    await mat.close();
  }
}

/** Decode just the numeric scalars (cheap), which `pixels.rows` / `cols` may name. */
const scalarsOnly: MatDecodeOptions = { decode: (v) => count(v.dims) === 1 };

/** MATLAB drops trailing singleton dims only beyond the second; treat [H, W, B, 1] as 3-D. */
function significantDims(dims: number[]): number[] {
  const d = [...dims];
  while (d.length > 2 && d[d.length - 1] === 1) d.pop();
  return d;
}

const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const describeVar = (v: MatVariableInfo) => `${v.name} (${v.dims.join('x')} ${v.matClass})`;

function scalarFrom(
  file: string,
  variables: MatVariable[],
  given: number | string | undefined,
  defaults: string[],
  field: string,
): number {
  if (typeof given === 'number') return given;
  const names = given !== undefined ? [given] : defaults;
  for (const name of names) {
    const v = variables.find((x) => x.name === name);
    if (v?.numeric && count(v.dims) === 1 && v.data) return v.data[0];
    if (v && given !== undefined)
      throw new HsiFormatError(file, field, `variable "${name}" is not a numeric scalar`);
  }
  throw new HsiFormatError(
    file,
    field,
    given !== undefined
      ? `no variable "${given}" in the file`
      : `not given, and none of ${defaults.join(', ')} is in the file`,
  );
}

interface Plan {
  variable: MatVariableInfo;
  rows: number;
  cols: number;
  bands: number;
  /** How the column-major data maps to the cube. */
  kind: '3d' | 'bands-pixels' | 'pixels-bands';
  order?: PixelOrder;
}

function plan(file: string, variables: MatVariable[], opts: MatReadOptions): Plan {
  const listing = variables.map(describeVar).join(', ');
  let chosen: MatVariable | undefined;
  const { pixels } = opts;
  const [pixelRows, pixelCols] = pixels
    ? (['rows', 'cols'] as const).map((axis) =>
        scalarFrom(file, variables, pixels[axis], PIXEL_AXIS_NAMES[axis], `pixels.${axis}`),
      )
    : [0, 0];
  if (opts.variable !== undefined) {
    chosen = variables.find((v) => v.name === opts.variable);
    if (!chosen)
      throw new HsiFormatError(file, opts.variable, `no such variable; the file has ${listing}`);
  } else {
    const numeric = variables.filter((v) => v.numeric && !v.complex);
    const threeD = numeric.filter((v) => significantDims(v.dims).length === 3);
    const fits2D = numeric.filter((v) => {
      const d = significantDims(v.dims);
      return d.length === 2 && (d[0] === pixelRows * pixelCols || d[1] === pixelRows * pixelCols);
    });
    const pool = opts.pixels ? fits2D : threeD;
    chosen = pool.sort((a, b) => count(b.dims) - count(a.dims))[0];
    if (!chosen) {
      throw new HsiFormatError(
        file,
        'variable',
        opts.pixels
          ? `no 2-D numeric variable with ${pixelRows} x ${pixelCols} = ${pixelRows * pixelCols} pixels along one side; the file has ${listing}`
          : `no 3-D numeric variable; the file has ${listing || 'no variables'}` +
              ' (pass pixels: { rows, cols, order } to reshape a 2-D bands x pixels matrix)',
      );
    }
  }
  if (!chosen.numeric)
    throw new HsiFormatError(file, chosen.name, `is a ${chosen.matClass}, not a numeric array`);
  if (chosen.complex)
    throw new HsiFormatError(file, chosen.name, 'is complex; only real arrays are read');
  const dims = significantDims(chosen.dims);
  if (dims.length === 3)
    return { variable: chosen, rows: dims[0], cols: dims[1], bands: dims[2], kind: '3d' };
  if (dims.length !== 2)
    throw new HsiFormatError(
      file,
      chosen.name,
      `has ${dims.length} dimensions (${dims.join('x')}); a cube needs 3`,
    );
  if (!opts.pixels) {
    throw new HsiFormatError(
      file,
      chosen.name,
      `is 2-D (${dims.join('x')}); pass pixels: { rows, cols, order } to reshape a bands x pixels matrix`,
    );
  }
  const n = pixelRows * pixelCols;
  const kind = dims[1] === n ? 'bands-pixels' : dims[0] === n ? 'pixels-bands' : undefined;
  if (!kind) {
    throw new HsiFormatError(
      file,
      'pixels',
      `${pixelRows} x ${pixelCols} = ${n} pixels fits neither side of ${chosen.name} (${dims.join('x')})`,
    );
  }
  return {
    variable: chosen,
    rows: pixelRows,
    cols: pixelCols,
    bands: kind === 'bands-pixels' ? dims[0] : dims[1],
    kind,
    order: opts.pixels.order,
  };
}

/** Re-order the column-major samples of the planned variable into a cube (no copy where the order allows). */
function toCube(p: Plan, data: CubeArray): Cube {
  const { rows: H, cols: W, bands: B } = p;
  const Ctor = data.constructor as new (n: number) => CubeArray;
  if (p.kind === '3d') {
    // MATLAB (H, W, B) column-major: (r, c, b) at r + c*H + b*H*W. BSQ wants (b*H + r)*W + c.
    const out = new Ctor(data.length);
    for (let b = 0; b < B; b++) {
      const base = b * H * W;
      for (let c = 0; c < W; c++)
        for (let r = 0; r < H; r++) out[base + r * W + c] = data[base + r + c * H];
    }
    return { rows: H, cols: W, bands: B, interleave: 'bsq', data: out };
  }
  const P = H * W;
  if (p.kind === 'bands-pixels') {
    // (b, p) at b + p*B: bands contiguous per pixel, i.e. BIP in pixel order.
    if (p.order === 'row-major') return { rows: H, cols: W, bands: B, interleave: 'bip', data };
    const out = new Ctor(data.length);
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++) {
        const src = (r + c * H) * B;
        const dst = (r * W + c) * B;
        for (let b = 0; b < B; b++) out[dst + b] = data[src + b];
      }
    return { rows: H, cols: W, bands: B, interleave: 'bip', data: out };
  }
  // (p, b) at p + b*P: one plane per band, i.e. BSQ in pixel order.
  if (p.order === 'row-major') return { rows: H, cols: W, bands: B, interleave: 'bsq', data };
  const out = new Ctor(data.length);
  for (let b = 0; b < B; b++)
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++) out[b * P + r * W + c] = data[b * P + r + c * H];
  return { rows: H, cols: W, bands: B, interleave: 'bsq', data: out };
}

/** The cube `readMat` reads, from an opened container. */
export async function readMatFromContainer(
  mat: MatContainer,
  opts: MatReadOptions = {},
): Promise<Cube> {
  const { file } = mat;
  throwIfAborted(opts.signal);
  const planned = plan(file, await mat.variables(scalarsOnly), opts);
  throwIfAborted(opts.signal);
  const isWavelengths = (v: MatVariableInfo) =>
    WAVELENGTH_NAMES.has(v.name) && count(v.dims) === planned.bands;
  const decoded = await mat.variables({
    decode: (v) => v.name === planned.variable.name || isWavelengths(v),
  });
  const data = decoded.find((v) => v.name === planned.variable.name)?.data;
  if (!data) throw new HsiFormatError(file, planned.variable.name, 'could not be decoded');
  opts.onProgress?.(1);
  const cube = toCube(planned, data);
  const wavelengths = decoded.find(
    (v) => v.data && isWavelengths(v) && v.name !== planned.variable.name,
  )?.data;
  if (wavelengths) cube.wavelengths = Array.from(wavelengths);
  applyNonFinitePolicy(file, planned.variable.name, cube, opts.nonFinite ?? 'error');
  return cube;
}

/** What `matInfo` reports, from an opened container (variable headers and scalars only). */
export async function matInfoFromContainer(
  mat: MatContainer,
  opts: Omit<MatReadOptions, keyof ReadOptions> = {},
): Promise<CubeInfo> {
  const p = plan(mat.file, await mat.variables(scalarsOnly), opts);
  return {
    format: 'mat',
    file: mat.file,
    dataFile: mat.file,
    rows: p.rows,
    cols: p.cols,
    bands: p.bands,
    sampleType: p.variable.storedType ?? 'float64',
    interleave: p.kind === 'bands-pixels' ? 'bip' : 'bsq',
    littleEndian: mat.littleEndian,
    variable: p.variable.name,
  };
}

/**
 * Read a cube from the bytes of a MATLAB .mat file, v5 (compressed or not, either byte order) or
 * v7.3 (HDF5). Samples keep the type they are stored in (like scipy.io.loadmat): MATLAB may store a
 * double array as uint16, which is read as Uint16Array. MATLAB arrays are column-major; the cube is
 * re-ordered.
 */
export async function readMatFrom(input: ByteInput, opts: MatReadOptions = {}): Promise<Cube> {
  throwIfAborted(opts.signal);
  return withMatContainer(openMatSource(toByteSource(input)), (mat) =>
    readMatFromContainer(mat, opts),
  );
}

/** Shape and types of the cube `readMatFrom` would return, from variable headers (and scalars) only. */
export function matInfoFrom(
  input: ByteInput,
  opts: Omit<MatReadOptions, keyof ReadOptions> = {},
): Promise<CubeInfo> {
  return withMatContainer(openMatSource(toByteSource(input)), (mat) =>
    matInfoFromContainer(mat, opts),
  );
}

/** Name, MATLAB class, dimensions and stored type of every top-level variable (data not decoded). */
export function listMatVariablesFrom(input: ByteInput): Promise<MatVariableInfo[]> {
  return withMatContainer(openMatSource(toByteSource(input)), async (mat) =>
    mat.variables({ headersOnly: true }),
  );
}
