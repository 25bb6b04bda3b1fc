import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type Cube, type Interleave, toInterleave } from '../cube.js';
import { writeFilesAtomic } from './atomic-write.js';
import { encodeSamples, HOST_LITTLE_ENDIAN, type SampleType, sampleTypeOf } from './dtypes.js';
import {
  type EnviHeader,
  enviDataTypeCode,
  enviNumberList,
  formatEnviField,
  parseEnviHeader,
  splitEnviList,
} from './envi-header.js';
import { HsiFormatError } from './errors.js';
import { FileRangeReader } from './file-range.js';
import { applyNonFinitePolicy } from './finite.js';
import { checkRawSize, type RawLayout, readRawRegion } from './raw-raster.js';
import type { CubeInfo, ReadOptions } from './types.js';
import { type CubeWindow, checkWindow } from './window.js';

const DATA_EXTENSIONS = [
  '.img',
  '.dat',
  '.raw',
  '.bsq',
  '.bil',
  '.bip',
  '.IMG',
  '.DAT',
  '.RAW',
  '.BSQ',
  '.BIL',
  '.BIP',
];

export interface EnviReadOptions extends ReadOptions {
  /** Accept a data file longer than the header says (default false: that is an error). */
  allowExtraBytes?: boolean;
}

export interface EnviWriteOptions {
  /** Sample order in the data file (default: the cube's own). */
  interleave?: Interleave;
  /** Sample type to store (default: the cube's; int8 is stored as int16, ENVI has no int8). */
  sampleType?: SampleType;
  /** 0 little-endian (default), 1 big-endian. */
  byteOrder?: 0 | 1;
  description?: string;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * The header and data file of an ENVI raster from either name: `x.hdr` with data `x`, `x.img` (or other
 * extension), or `x.img.hdr` with data `x.img`; or from the data file, with header `x.hdr` / `x.img.hdr`.
 */
export async function locateEnviFiles(
  file: string,
): Promise<{ headerFile: string; dataFile: string }> {
  if (/\.hdr$/i.test(file)) {
    if (!(await isFile(file)))
      throw new HsiFormatError(file, 'header', 'the header file does not exist');
    const stem = file.slice(0, -4);
    const candidates = [stem, ...DATA_EXTENSIONS.map((e) => stem + e)];
    for (const c of candidates) if (await isFile(c)) return { headerFile: file, dataFile: c };
    throw new HsiFormatError(
      file,
      'data file',
      `no data file beside the header (looked for ${candidates.join(', ')})`,
    );
  }
  const ext = path.extname(file);
  const noExt = ext ? file.slice(0, -ext.length) : file;
  const candidates = [`${file}.hdr`, `${noExt}.hdr`, `${file}.HDR`, `${noExt}.HDR`];
  if (!(await isFile(file)))
    throw new HsiFormatError(file, 'data file', 'the data file does not exist');
  for (const c of candidates) if (await isFile(c)) return { headerFile: c, dataFile: file };
  throw new HsiFormatError(
    file,
    'header',
    `no ENVI header found (looked for ${candidates.join(', ')})`,
  );
}

/** The parsed header of an ENVI raster, with the names of both files. */
export async function readEnviHeader(
  file: string,
): Promise<{ header: EnviHeader; headerFile: string; dataFile: string }> {
  const { headerFile, dataFile } = await locateEnviFiles(file);
  const text = await fs.readFile(headerFile, 'latin1');
  return { header: parseEnviHeader(text, headerFile), headerFile, dataFile };
}

/** Shape, sample type, interleave, byte order and wavelengths of an ENVI raster, from its header only. */
export async function enviInfo(file: string): Promise<CubeInfo> {
  const { header, headerFile, dataFile } = await readEnviHeader(file);
  return {
    format: 'envi',
    file,
    dataFile,
    rows: header.lines,
    cols: header.samples,
    bands: header.bands,
    sampleType: header.sampleType,
    interleave: header.interleave,
    littleEndian: header.byteOrder === 0,
    wavelengths: enviNumberList(header, 'wavelength', headerFile),
    wavelengthUnits: header.fields['wavelength units'],
    headerOffset: header.headerOffset,
  };
}

const STRUCTURAL_KEYS = new Set([
  'samples',
  'lines',
  'bands',
  'header offset',
  'data type',
  'interleave',
  'byte order',
  'file type',
  'wavelength',
  'wavelength units',
  'fwhm',
  'band names',
  'data ignore value',
  'reflectance scale factor',
  'map info',
  'coordinate system string',
]);
/** Braced fields that hold free text rather than a comma list. */
const TEXT_KEYS = new Set(['description', 'coordinate system string', 'map info']);

/** Cube metadata (wavelengths, names, scale ...) from the header, for bands `bands` of the file. */
function cubeMetadata(
  header: EnviHeader,
  headerFile: string,
  bands: number[],
): Omit<Cube, 'rows' | 'cols' | 'bands' | 'interleave' | 'data'> {
  const pick = <T>(list: T[] | undefined): T[] | undefined => list && bands.map((b) => list[b]);
  const f = header.fields;
  const names = f['band names'] !== undefined ? splitEnviList(f['band names']) : undefined;
  const num = (key: string): number | undefined => {
    if (f[key] === undefined) return undefined;
    const v = Number(f[key]);
    if (Number.isNaN(v)) throw new HsiFormatError(headerFile, key, `"${f[key]}" is not a number`);
    return v;
  };
  const metadata: Record<string, string | string[]> = {};
  const subset = bands.length !== header.bands || bands.some((b, k) => b !== k);
  for (const [key, value] of Object.entries(f)) {
    if (STRUCTURAL_KEYS.has(key)) continue;
    if (!header.braced.has(key) || TEXT_KEYS.has(key)) {
      metadata[key] = value.trim();
      continue;
    }
    const list = splitEnviList(value);
    // Per-band lists (bbl, data gain values ...) follow the band subset; band indices no longer apply.
    if (subset && key === 'default bands') continue;
    metadata[key] = subset && list.length === header.bands ? bands.map((b) => list[b]) : list;
  }
  return {
    wavelengths: pick(enviNumberList(header, 'wavelength', headerFile)),
    wavelengthUnits: f['wavelength units'],
    fwhm: pick(enviNumberList(header, 'fwhm', headerFile)),
    bandNames: names && names.length === header.bands ? pick(names) : undefined,
    noDataValue: num('data ignore value'),
    scaleFactor: num('reflectance scale factor'),
    mapInfo: f['map info']?.trim(),
    coordinateSystem: f['coordinate system string']?.trim(),
    metadata,
  };
}

/** Read a window of an open ENVI data file into a cube in the file's interleave. */
async function readEnviRegion(
  reader: FileRangeReader,
  header: EnviHeader,
  headerFile: string,
  win: { row: number; col: number; rows: number; cols: number; bands: number[] },
  opts: EnviReadOptions,
): Promise<Cube> {
  const layout: RawLayout = {
    rows: header.lines,
    cols: header.samples,
    bands: header.bands,
    headerOffset: header.headerOffset,
    sampleType: header.sampleType,
    interleave: header.interleave,
    littleEndian: header.byteOrder === 0,
  };
  checkRawSize(reader, layout, headerFile, opts.allowExtraBytes ?? false);
  const data = await readRawRegion(reader, layout, win, opts);
  const { rows, cols, bands } = win;
  const cube: Cube = {
    rows,
    cols,
    bands: bands.length,
    interleave: header.interleave,
    data,
    ...cubeMetadata(header, headerFile, bands),
  };
  applyNonFinitePolicy(reader.file, 'data', cube, opts.nonFinite ?? 'error');
  return cube;
}

/** Read a whole ENVI raster (given its header or data file name) in the file's interleave. */
export async function readEnvi(file: string, opts: EnviReadOptions = {}): Promise<Cube> {
  const { header, headerFile, dataFile } = await readEnviHeader(file);
  const reader = await FileRangeReader.open(dataFile);
  try {
    const whole = { row: 0, col: 0, rows: header.lines, cols: header.samples };
    return await readEnviRegion(
      reader,
      header,
      headerFile,
      checkWindow(file, whole, shapeOf(header)),
      opts,
    );
  } finally {
    await reader.close();
  }
}

/**
 * Read a spatial window and/or band subset of an ENVI raster, reading only the byte ranges it needs
 * (memory: the window plus at most a 16 MiB read buffer), in the file's interleave.
 */
export async function readEnviWindow(
  file: string,
  window: CubeWindow,
  opts: EnviReadOptions = {},
): Promise<Cube> {
  const { header, headerFile, dataFile } = await readEnviHeader(file);
  const win = checkWindow(file, window, shapeOf(header));
  const reader = await FileRangeReader.open(dataFile);
  try {
    return await readEnviRegion(reader, header, headerFile, win, opts);
  } finally {
    await reader.close();
  }
}

function shapeOf(header: EnviHeader): { rows: number; cols: number; bands: number } {
  return { rows: header.lines, cols: header.samples, bands: header.bands };
}

/** Header and data file names an ENVI writer uses for `file` (see `writeEnvi`). */
export function enviWritePaths(file: string): { headerFile: string; dataFile: string } {
  if (/\.hdr$/i.test(file)) {
    const stem = file.slice(0, -4);
    return { headerFile: file, dataFile: path.extname(stem) ? stem : `${stem}.img` };
  }
  const ext = path.extname(file);
  return { headerFile: ext ? `${file.slice(0, -ext.length)}.hdr` : `${file}.hdr`, dataFile: file };
}

/** The text of the ENVI header `writeEnvi` writes for a cube. */
export function formatEnviHeader(
  cube: Cube,
  opts: { interleave: Interleave; sampleType: SampleType; byteOrder: 0 | 1; description?: string },
): string {
  const lines = ['ENVI'];
  const description = opts.description ?? (cube.metadata?.description as string | undefined);
  if (typeof description === 'string')
    lines.push(`description = {${description.replace(/[{}]/g, '')}}`);
  lines.push(
    formatEnviField('samples', cube.cols),
    formatEnviField('lines', cube.rows),
    formatEnviField('bands', cube.bands),
    formatEnviField('header offset', 0),
    formatEnviField('file type', 'ENVI Standard'),
    formatEnviField('data type', enviDataTypeCode(opts.sampleType)),
    formatEnviField('interleave', opts.interleave),
    formatEnviField('byte order', opts.byteOrder),
  );
  const count = (name: string, list: unknown[] | undefined) => {
    if (list && list.length !== cube.bands)
      throw new RangeError(`writeEnvi: ${name} has ${list.length} entries for ${cube.bands} bands`);
    return list;
  };
  if (cube.mapInfo !== undefined) lines.push(`map info = {${cube.mapInfo}}`);
  if (cube.coordinateSystem !== undefined)
    lines.push(`coordinate system string = {${cube.coordinateSystem}}`);
  if (cube.noDataValue !== undefined)
    lines.push(formatEnviField('data ignore value', cube.noDataValue));
  if (cube.scaleFactor !== undefined)
    lines.push(formatEnviField('reflectance scale factor', cube.scaleFactor));
  for (const [key, value] of Object.entries(cube.metadata ?? {})) {
    const k = key.toLowerCase();
    if (STRUCTURAL_KEYS.has(k) || k === 'description' || /[={}\n]/.test(k)) continue;
    lines.push(
      Array.isArray(value)
        ? formatEnviField(k, value)
        : `${k} = ${TEXT_KEYS.has(k) ? `{${value}}` : value}`,
    );
  }
  if (cube.wavelengthUnits !== undefined)
    lines.push(formatEnviField('wavelength units', cube.wavelengthUnits));
  const wl = count('wavelengths', cube.wavelengths);
  if (wl) lines.push(formatEnviField('wavelength', cube.wavelengths as number[]));
  if (count('fwhm', cube.fwhm)) lines.push(formatEnviField('fwhm', cube.fwhm as number[]));
  if (count('bandNames', cube.bandNames))
    lines.push(
      formatEnviField(
        'band names',
        (cube.bandNames as string[]).map((n) => n.replace(/[,{}]/g, ' ')),
      ),
    );
  return `${lines.join('\n')}\n`;
}

/**
 * Write a cube as ENVI: the data file and its header, both through temp files renamed only when both are
 * complete. `file` may name the header (`x.hdr` -> data `x.img`; `x.img.hdr` -> data `x.img`) or the data
 * file (`x.img` -> header `x.hdr`; `x` -> header `x.hdr`).
 */
export async function writeEnvi(
  file: string,
  cube: Cube,
  opts: EnviWriteOptions = {},
): Promise<{ headerFile: string; dataFile: string }> {
  const interleave = opts.interleave ?? cube.interleave;
  const own = sampleTypeOf(cube.data);
  const sampleType = opts.sampleType ?? (own === 'int8' ? 'int16' : own);
  enviDataTypeCode(sampleType); // throws for a type ENVI cannot store (int8)
  const byteOrder = opts.byteOrder ?? 0;
  const ordered = toInterleave(cube, interleave);
  const littleEndian = byteOrder === 0;
  const data =
    sampleTypeOf(ordered.data) === sampleType && littleEndian === HOST_LITTLE_ENDIAN
      ? new Uint8Array(ordered.data.buffer, ordered.data.byteOffset, ordered.data.byteLength)
      : encodeSamples(ordered.data, sampleType, littleEndian);
  const headerText = formatEnviHeader(cube, {
    interleave,
    sampleType,
    byteOrder,
    description: opts.description,
  });
  const paths = enviWritePaths(file);
  await writeFilesAtomic([
    { target: paths.dataFile, parts: data },
    { target: paths.headerFile, parts: new TextEncoder().encode(headerText) },
  ]);
  return paths;
}
