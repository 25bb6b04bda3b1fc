import { promises as fs } from 'node:fs';
import type { Cube, CubeArray } from '../cube.js';
import { HsiFormatError, HsiTruncatedError } from './errors.js';
import { throwIfAborted } from './file-range.js';
import { applyNonFinitePolicy } from './finite.js';
import { isMatV5, type MatDecodeOptions, type MatVariable, parseMatV5 } from './mat-v5.js';
import { isMatV73, parseMatV73 } from './mat-v73.js';
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

type MatVersion = 'v5' | 'v7.3';

/** Variables whose values, one per band, `readMat` takes as the band wavelengths. */
const WAVELENGTH_NAMES = new Set(['wavelengths', 'wavelength', 'wl', 'lambda']);

async function matVersion(file: string): Promise<{ version: MatVersion; littleEndian: boolean }> {
  const handle = await fs.open(file, 'r');
  try {
    const head = new Uint8Array(528);
    const { bytesRead } = await handle.read(head, 0, 528, 0);
    const bytes = head.subarray(0, bytesRead);
    if (bytesRead < 128) throw new HsiTruncatedError(file, 'header', 128, bytesRead);
    if (isMatV73(bytes)) return { version: 'v7.3', littleEndian: true };
    if (isMatV5(bytes)) return { version: 'v5', littleEndian: bytes[126] === 0x49 };
    const text = new TextDecoder('latin1')
      .decode(bytes.subarray(0, 40))
      .replace(/[^\x20-\x7e]/g, '?');
    throw new HsiFormatError(file, 'header', `not a MATLAB v5 or v7.3 MAT-file (starts "${text}")`);
  } finally {
    await handle.close();
  }
}

async function parseMat(file: string, opts: MatDecodeOptions): Promise<MatVariable[]> {
  if ((await matVersion(file)).version === 'v7.3') return parseMatV73(file, opts);
  return parseMatV5(new Uint8Array(await fs.readFile(file)), file, opts);
}

/** Decode just the numeric scalars (cheap), which `pixels.rows` / `cols` may name. */
const scalarsOnly: MatDecodeOptions = { decode: (v) => count(v.dims) === 1 };

/** Name, MATLAB class, dimensions and stored type of every top-level variable (data not decoded). */
export async function listMatVariables(file: string): Promise<MatVariableInfo[]> {
  return parseMat(file, { headersOnly: true });
}

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
  let pixelRows = 0;
  let pixelCols = 0;
  if (opts.pixels) {
    pixelRows = scalarFrom(
      file,
      variables,
      opts.pixels.rows,
      ['nRow', 'H', 'rows', 'nrow'],
      'pixels.rows',
    );
    pixelCols = scalarFrom(
      file,
      variables,
      opts.pixels.cols,
      ['nCol', 'W', 'cols', 'ncol'],
      'pixels.cols',
    );
  }
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

/**
 * Read a cube from a MATLAB .mat file, v5 (compressed or not, either byte order) or v7.3 (HDF5).
 * Samples keep the type they are stored in (like scipy.io.loadmat): MATLAB may store a double array
 * as uint16, which is read as Uint16Array. MATLAB arrays are column-major; the cube is re-ordered.
 */
export async function readMat(file: string, opts: MatReadOptions = {}): Promise<Cube> {
  throwIfAborted(opts.signal);
  const planned = plan(file, await parseMat(file, scalarsOnly), opts);
  throwIfAborted(opts.signal);
  const isWavelengths = (v: MatVariableInfo) =>
    WAVELENGTH_NAMES.has(v.name) && count(v.dims) === planned.bands;
  const decoded = await parseMat(file, {
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

/** Shape and types of the cube `readMat` would return, reading only variable headers (and scalars). */
export async function matInfo(
  file: string,
  opts: Omit<MatReadOptions, keyof ReadOptions> = {},
): Promise<CubeInfo> {
  const p = plan(file, await parseMat(file, scalarsOnly), opts);
  const interleave = p.kind === '3d' ? 'bsq' : p.kind === 'bands-pixels' ? 'bip' : 'bsq';
  return {
    format: 'mat',
    file,
    dataFile: file,
    rows: p.rows,
    cols: p.cols,
    bands: p.bands,
    sampleType: p.variable.storedType ?? 'float64',
    interleave,
    littleEndian: (await matVersion(file)).littleEndian,
    variable: p.variable.name,
  };
}
