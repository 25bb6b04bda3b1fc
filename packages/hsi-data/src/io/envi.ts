// ENVI rasters over bytes: a header source and a data source. The path-taking functions
// (`readEnvi(file)` ...) are in '@hsrkit/hsi-data/node' (src/node/envi-files.ts).
import { type Cube, type CubeMetadata, type Interleave, toInterleave } from '../cube.js';
import { HsiConfigError, HsiFormatError } from '../errors.js';
import {
  type ByteInput,
  type ByteSource,
  readAll,
  sourceName,
  toByteSource,
} from './byte-source.js';
import { type SampleType, sampleTypeOf, samplesAsBytes } from './dtypes.js';
import {
  type EnviHeader,
  enviDataTypeCode,
  enviNumberList,
  formatEnviField,
  parseEnviHeader,
  splitEnviList,
} from './envi-header.js';
import { applyNonFinitePolicy } from './finite.js';
import { checkRawSize, type RawLayout, readRawRegion } from './raw-raster.js';
import type { CubeInfo, ReadOptions } from './types.js';
import { type CubeWindow, checkWindow, type PixelWindow } from './window.js';

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

/** An ENVI raster as bytes: its header and its data file (each a `ByteSource`, `Blob` / `File` or bytes). */
export interface EnviSources {
  header: ByteInput;
  data: ByteInput;
}

/** An ENVI raster whose header is parsed and whose data is ready to be read. */
interface OpenEnvi {
  header: EnviHeader;
  headerName: string;
  data: ByteSource;
}

/** The parsed header of an ENVI raster, from the header's bytes (latin1 text). */
export async function readEnviHeaderFrom(header: ByteInput): Promise<EnviHeader> {
  const source = toByteSource(header);
  const text = new TextDecoder('latin1').decode(await readAll(source, 'header'));
  return parseEnviHeader(text, sourceName(source));
}

async function openEnvi(sources: EnviSources): Promise<OpenEnvi> {
  const headerSource = toByteSource(sources.header);
  return {
    header: await readEnviHeaderFrom(headerSource),
    headerName: sourceName(headerSource),
    data: toByteSource(sources.data),
  };
}

/** Shape, sample type, interleave, byte order and wavelengths of an ENVI raster, from its header only. */
export async function enviInfoFrom(sources: EnviSources): Promise<CubeInfo> {
  const { header, headerName, data } = await openEnvi(sources);
  // The sizes the header declares are checked against the data file before anything is built
  // from them (a lying header fails here, not with an out-of-memory later).
  checkRawSize(data, rawLayout(header), headerName, true);
  return {
    format: 'envi',
    file: headerName,
    dataFile: sourceName(data),
    rows: header.lines,
    cols: header.samples,
    bands: header.bands,
    sampleType: header.sampleType,
    interleave: header.interleave,
    littleEndian: header.byteOrder === 0,
    wavelengths: enviNumberList(header, 'wavelength', headerName),
    wavelengthUnits: header.fields['wavelength units'],
    headerOffset: header.headerOffset,
  };
}

const STRUCTURAL_KEYS = new Set([
  // A path to another file: never followed when reading (the data file is found beside the
  // header by name) and never carried into a written header, where another tool might follow it.
  'data file',
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
function cubeMetadata(header: EnviHeader, headerFile: string, bands: number[]): CubeMetadata {
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

function rawLayout(header: EnviHeader): RawLayout {
  return {
    rows: header.lines,
    cols: header.samples,
    bands: header.bands,
    headerOffset: header.headerOffset,
    sampleType: header.sampleType,
    interleave: header.interleave,
    littleEndian: header.byteOrder === 0,
  };
}

/** Read a window of an open ENVI raster into a cube in the file's interleave. */
async function readEnviRegion(
  { header, headerName, data }: OpenEnvi,
  window: CubeWindow | undefined,
  opts: EnviReadOptions,
): Promise<Cube> {
  const layout = rawLayout(header);
  // Sizes first: the band list of the window is built only for a header the file agrees with.
  checkRawSize(data, layout, headerName, opts.allowExtraBytes ?? false);
  const win: PixelWindow = checkWindow(sourceName(data), window, layout);
  const cube: Cube = {
    rows: win.rows,
    cols: win.cols,
    bands: win.bands.length,
    interleave: header.interleave,
    data: await readRawRegion(data, layout, win, opts),
    ...cubeMetadata(header, headerName, win.bands),
  };
  applyNonFinitePolicy(sourceName(data), 'data', cube, opts.nonFinite ?? 'error');
  return cube;
}

/** Read a whole ENVI raster, from its header and data bytes, in the file's interleave. */
export async function readEnviFrom(
  sources: EnviSources,
  opts: EnviReadOptions = {},
): Promise<Cube> {
  return readEnviRegion(await openEnvi(sources), undefined, opts);
}

/**
 * Read a spatial window and/or band subset of an ENVI raster, reading only the byte ranges it needs
 * (memory: the window plus at most a 16 MiB read), in the file's interleave.
 */
export async function readEnviWindowFrom(
  sources: EnviSources,
  window: CubeWindow,
  opts: EnviReadOptions = {},
): Promise<Cube> {
  return readEnviRegion(await openEnvi(sources), window, opts);
}

/**
 * A free-text value in one pair of braces. Braces inside are dropped (a header cannot hold them: the
 * value ends at the first `}`), so a value that already has its braces is not braced twice.
 */
function bracedText(value: string): string {
  return `{${value.replace(/[{}]/g, '')}}`;
}

/** The text of the ENVI header `encodeEnvi` (and `writeEnvi`) writes for a cube. */
export function formatEnviHeader(
  cube: Cube,
  opts: { interleave: Interleave; sampleType: SampleType; byteOrder: 0 | 1; description?: string },
): string {
  const lines = ['ENVI'];
  const description = opts.description ?? (cube.metadata?.description as string | undefined);
  if (typeof description === 'string') lines.push(`description = ${bracedText(description)}`);
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
      throw new HsiConfigError(name, `has ${list.length} entries for ${cube.bands} bands`);
    return list;
  };
  if (cube.mapInfo !== undefined) lines.push(`map info = ${bracedText(cube.mapInfo)}`);
  if (cube.coordinateSystem !== undefined)
    lines.push(`coordinate system string = ${bracedText(cube.coordinateSystem)}`);
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
        : `${k} = ${TEXT_KEYS.has(k) ? bracedText(value) : value}`,
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

/** The bytes of an ENVI raster holding the cube: the header text and the data file. */
export function encodeEnvi(
  cube: Cube,
  opts: EnviWriteOptions = {},
): { header: Uint8Array<ArrayBuffer>; data: Uint8Array<ArrayBuffer> } {
  const interleave = opts.interleave ?? cube.interleave;
  const own = sampleTypeOf(cube.data);
  const sampleType = opts.sampleType ?? (own === 'int8' ? 'int16' : own);
  enviDataTypeCode(sampleType); // throws for a type ENVI cannot store (int8)
  const byteOrder = opts.byteOrder ?? 0;
  const headerText = formatEnviHeader(cube, {
    interleave,
    sampleType,
    byteOrder,
    description: opts.description,
  });
  const data = samplesAsBytes(toInterleave(cube, interleave).data, sampleType, byteOrder === 0);
  return { header: new TextEncoder().encode(headerText), data };
}
