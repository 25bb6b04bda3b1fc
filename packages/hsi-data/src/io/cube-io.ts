// One entry point over every format, over bytes: `readCubeFrom` / `readCubeWindowFrom` /
// `cubeInfoFrom` pick the reader, `encodeCube` the writer. The path-taking `readCube(file)` /
// `writeCube(file)` ... are in '@hsrkit/hsi-data/node' (src/node/cube-files.ts).
import type { Cube, Interleave } from '../cube.js';
import { HsiFormatError } from '../errors.js';
import { type ByteInput, sourceName, toByteSource } from './byte-source.js';
import { BYTES_PER_SAMPLE, type SampleType } from './dtypes.js';
import {
  type EnviReadOptions,
  type EnviSources,
  encodeEnvi,
  enviInfoFrom,
  readEnviFrom,
  readEnviWindowFrom,
} from './envi.js';
import { ENVI_DATA_EXTENSIONS, enviWritePaths, extensionOf } from './file-names.js';
import { hdf5InfoFrom, readHdf5From, readHdf5WindowFrom } from './hdf5.js';
import type { Hdf5ReadOptions } from './hdf5-cube.js';
import {
  encodeGeoTiff,
  geoTiffInfoFrom,
  readGeoTiffFrom,
  readGeoTiffWindowFrom,
} from './geotiff.js';
import { type MatReadOptions, matInfoFrom, readMatFrom } from './mat.js';
import { encodeMat } from './mat-writer.js';
import {
  encodeNpy,
  type NpyAxes,
  type NpyReadOptions,
  npyInfoFrom,
  readNpyFrom,
  readNpyWindowFrom,
} from './npy.js';
import type { CubeFormat, CubeInfo } from './types.js';
import { type CubeWindow, cropCube } from './window.js';

/** Options of `readCube` / `readCubeWindow` / `cubeInfo`: each format uses the ones that apply to it. */
export interface ReadCubeOptions
  extends EnviReadOptions,
    MatReadOptions,
    NpyReadOptions,
    Hdf5ReadOptions {
  /** Skip the guess from the extension. */
  format?: CubeFormat;
}

/** Options of `writeCube` / `encodeCube`: each format uses the ones that apply to it. */
export interface WriteCubeOptions {
  format?: CubeFormat;
  /** Sample type to store (default: the cube's own). */
  sampleType?: SampleType;
  /** ENVI: any interleave (default the cube's); GeoTIFF: bip (default) or bsq. */
  interleave?: Interleave;
  /** ENVI byte order (default 0, little-endian). */
  byteOrder?: 0 | 1;
  /** ENVI description. */
  description?: string;
  /** MAT variable name (default `cube`). */
  variable?: string;
  /** MAT: zlib-compress (default true). */
  compress?: boolean;
  /** NPY axis order (default rows-cols-bands). */
  axes?: NpyAxes;
}

/** What the byte readers take: one file's bytes (MAT, GeoTIFF, NPY), or an ENVI header and data pair. */
export type CubeBytes = ByteInput | EnviSources;

/** One file an encoder produced: its name and its bytes, in parts (write them one after another). */
export interface EncodedFile {
  name: string;
  parts: Uint8Array<ArrayBuffer>[];
}

const ENVI_EXTENSIONS = new Set(['', '.hdr', ...ENVI_DATA_EXTENSIONS]);

/** Extensions of HDF5 files, NetCDF-4 (HDF5 inside) and HDF-EOS5 included. */
export const HDF5_EXTENSIONS = new Set(['.h5', '.hdf5', '.he5', '.nc', '.nc4']);

/**
 * The format of a file from its extension: `.hdr`, `.img`, `.dat`, `.raw`, `.bsq`, `.bil`, `.bip` or none
 * -> ENVI; `.mat`; `.tif` / `.tiff` -> GeoTIFF; `.npy`; `.h5` `.hdf5` `.he5` `.nc` `.nc4` -> HDF5
 * (read only). Anything else is a `HsiFormatError`.
 */
export function cubeFormatOf(file: string): CubeFormat {
  const ext = extensionOf(file).toLowerCase();
  if (ENVI_EXTENSIONS.has(ext)) return 'envi';
  if (ext === '.mat') return 'mat';
  if (ext === '.tif' || ext === '.tiff') return 'geotiff';
  if (ext === '.npy') return 'npy';
  if (HDF5_EXTENSIONS.has(ext)) return 'hdf5';
  throw new HsiFormatError(
    file,
    'extension',
    `"${ext}" is not a cube format (ENVI: .hdr .img .dat .raw .bsq .bil .bip or none; .mat; .tif .tiff; .npy; HDF5 / NetCDF-4: .h5 .hdf5 .he5 .nc .nc4); pass format`,
  );
}

/** The largest cube `readWholeToTile` reads whole (2 GiB); bigger ones are read in windows. */
export const MAX_WHOLE_READ_BYTES = 2 ** 31;

/**
 * True when reading the file window by window would decode most of it for every window, so one
 * whole read is the cheaper way to tile it: a MAT variable (always decoded whole), or an HDF5
 * dataset stored in chunks that each cover a quarter of the image or more (a product chunked by
 * whole band planes: 49 windows of 96 x 96 of a 512 x 512 x 64 such file took 53 s, one whole read
 * 4.9 s; the same data in 64 x 64 chunks, 3.7 s and 1.3 s).
 */
export function readWholeToTile(info: CubeInfo): boolean {
  if (info.format === 'mat') return true;
  if (info.format !== 'hdf5' || !info.chunk) return false;
  // Beyond what one read may hold, windows it is, however slow.
  const bytes = info.rows * info.cols * info.bands * BYTES_PER_SAMPLE[info.sampleType];
  return (
    bytes <= MAX_WHOLE_READ_BYTES && info.chunk.rows * info.chunk.cols * 4 >= info.rows * info.cols
  );
}

function isEnviSources(input: CubeBytes): input is EnviSources {
  return (
    typeof input === 'object' &&
    input !== null &&
    'header' in input &&
    'data' in input &&
    !('read' in input)
  );
}

/** The three reads every format offers, over what its reader takes (`In`). */
interface FormatReaders<In> {
  read(input: In, opts: ReadCubeOptions): Promise<Cube>;
  readWindow(input: In, window: CubeWindow, opts: ReadCubeOptions): Promise<Cube>;
  info(input: In, opts: ReadCubeOptions): Promise<CubeInfo>;
}

const ENVI: FormatReaders<EnviSources> = {
  read: readEnviFrom,
  readWindow: readEnviWindowFrom,
  info: (input) => enviInfoFrom(input),
};

const SINGLE_FILE: Record<Exclude<CubeFormat, 'envi'>, FormatReaders<ByteInput>> = {
  mat: {
    read: readMatFrom,
    // A MAT variable is decoded whole, then cropped.
    readWindow: async (input, window, opts) =>
      cropCube(sourceName(toByteSource(input)), await readMatFrom(input, opts), window),
    info: matInfoFrom,
  },
  geotiff: {
    read: readGeoTiffFrom,
    readWindow: readGeoTiffWindowFrom,
    info: (input) => geoTiffInfoFrom(input),
  },
  npy: { read: readNpyFrom, readWindow: readNpyWindowFrom, info: npyInfoFrom },
  hdf5: { read: readHdf5From, readWindow: readHdf5WindowFrom, info: hdf5InfoFrom },
};

/** Calls the readers of `input`'s format (`format`, else the one its name says) on it. */
function withReaders<T>(
  input: CubeBytes,
  format: CubeFormat | undefined,
  use: <In>(readers: FormatReaders<In>, input: In) => T,
): T {
  if (isEnviSources(input)) {
    if (format !== undefined && format !== 'envi')
      throw new HsiFormatError(
        sourceName(toByteSource(input.header)),
        'format',
        `a { header, data } pair is ENVI, not ${format}`,
      );
    return use(ENVI, input);
  }
  const source = toByteSource(input);
  const name = sourceName(source);
  if (format === undefined && source.name === undefined)
    throw new HsiFormatError(
      name,
      'format',
      'the bytes have no file name to tell the format by; pass format',
    );
  const chosen = format ?? cubeFormatOf(name);
  if (chosen === 'envi')
    throw new HsiFormatError(
      name,
      'header',
      'an ENVI raster is a header and a data file: pass { header, data }',
    );
  return use(SINGLE_FILE[chosen], source as ByteInput);
}

/** Read a whole cube from the bytes of an ENVI (header + data), MATLAB (v5 / v7.3), GeoTIFF or NPY file. */
export async function readCubeFrom(input: CubeBytes, opts: ReadCubeOptions = {}): Promise<Cube> {
  return withReaders(input, opts.format, (r, x) => r.read(x, opts));
}

/**
 * Read a window / band subset. ENVI, NPY and GeoTIFF read only the byte ranges (strips, tiles) the
 * window needs, so a multi-GB scene can be tiled in bounded memory; a MAT variable is decoded whole
 * and cropped.
 */
export async function readCubeWindowFrom(
  input: CubeBytes,
  window: CubeWindow,
  opts: ReadCubeOptions = {},
): Promise<Cube> {
  return withReaders(input, opts.format, (r, x) => r.readWindow(x, window, opts));
}

/** Shape, sample type, interleave, byte order and wavelengths of a cube, without reading its samples. */
export async function cubeInfoFrom(
  input: CubeBytes,
  opts: ReadCubeOptions = {},
): Promise<CubeInfo> {
  return withReaders(input, opts.format, (r, x) => r.info(x, opts));
}

/**
 * The files that hold `cube` in the format of `file`'s extension (or `opts.format`), named as
 * `writeCube` names them: ENVI gives the data file and its header (`enviWritePaths`), the others one
 * file. In the browser, `new Blob(file.parts)` is a download.
 */
export function encodeCube(file: string, cube: Cube, opts: WriteCubeOptions = {}): EncodedFile[] {
  const format = opts.format ?? cubeFormatOf(file);
  switch (format) {
    case 'envi': {
      const { headerFile, dataFile } = enviWritePaths(file);
      const { header, data } = encodeEnvi(cube, opts);
      return [
        { name: dataFile, parts: [data] },
        { name: headerFile, parts: [header] },
      ];
    }
    case 'mat':
      return [{ name: file, parts: encodeMat(cube, opts) }];
    case 'geotiff': {
      const interleave = opts.interleave ?? 'bip';
      if (interleave === 'bil')
        throw new HsiFormatError(file, 'interleave', 'GeoTIFF stores bip or bsq, not bil');
      return [
        { name: file, parts: encodeGeoTiff(cube, { sampleType: opts.sampleType, interleave }) },
      ];
    }
    case 'npy':
      return [{ name: file, parts: encodeNpy(cube, opts) }];
    case 'hdf5':
      throw new HsiFormatError(
        file,
        'format',
        'HDF5 / NetCDF-4 is read, not written: write ENVI (.hdr), GeoTIFF (.tif), .mat or .npy',
      );
  }
}
