import * as path from 'node:path';
import type { Cube, Interleave } from '../cube.js';
import type { SampleType } from './dtypes.js';
import { type EnviReadOptions, enviInfo, readEnvi, readEnviWindow, writeEnvi } from './envi.js';
import { HsiFormatError } from './errors.js';
import { geoTiffInfo, readGeoTiff, readGeoTiffWindow, writeGeoTiff } from './geotiff.js';
import { type MatReadOptions, matInfo, readMat } from './mat.js';
import { writeMat } from './mat-writer.js';
import {
  type NpyAxes,
  type NpyReadOptions,
  npyInfo,
  readNpy,
  readNpyWindow,
  writeNpy,
} from './npy.js';
import type { CubeFormat, CubeInfo } from './types.js';
import { type CubeWindow, cropCube } from './window.js';

/** Options of `readCube` / `readCubeWindow` / `cubeInfo`: each format uses the ones that apply to it. */
export interface ReadCubeOptions extends EnviReadOptions, MatReadOptions, NpyReadOptions {
  /** Skip the guess from the extension. */
  format?: CubeFormat;
}

/** Options of `writeCube`: each format uses the ones that apply to it. */
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

const ENVI_EXTENSIONS = new Set(['', '.hdr', '.img', '.dat', '.raw', '.bsq', '.bil', '.bip']);

/**
 * The format of a file from its extension: `.hdr`, `.img`, `.dat`, `.raw`, `.bsq`, `.bil`, `.bip` or none
 * -> ENVI; `.mat`; `.tif` / `.tiff` -> GeoTIFF; `.npy`. Anything else is a `HsiFormatError`.
 */
export function cubeFormatOf(file: string): CubeFormat {
  const ext = path.extname(file).toLowerCase();
  if (ENVI_EXTENSIONS.has(ext)) return 'envi';
  if (ext === '.mat') return 'mat';
  if (ext === '.tif' || ext === '.tiff') return 'geotiff';
  if (ext === '.npy') return 'npy';
  throw new HsiFormatError(
    file,
    'extension',
    `"${ext}" is not a cube format (ENVI: .hdr .img .dat .raw .bsq .bil .bip or none; .mat; .tif .tiff; .npy); pass format`,
  );
}

/** Read a whole cube from an ENVI, MATLAB (v5 / v7.3), GeoTIFF or NPY file, chosen by extension. */
export function readCube(file: string, opts: ReadCubeOptions = {}): Promise<Cube> {
  switch (opts.format ?? cubeFormatOf(file)) {
    case 'envi':
      return readEnvi(file, opts);
    case 'mat':
      return readMat(file, opts);
    case 'geotiff':
      return readGeoTiff(file, opts);
    case 'npy':
      return readNpy(file, opts);
  }
}

/**
 * Read a window / band subset. ENVI, NPY and GeoTIFF read only the byte ranges (strips, tiles) the window
 * needs, so a multi-GB scene can be tiled in bounded memory; a MAT variable is decoded whole and cropped.
 */
export async function readCubeWindow(
  file: string,
  window: CubeWindow,
  opts: ReadCubeOptions = {},
): Promise<Cube> {
  switch (opts.format ?? cubeFormatOf(file)) {
    case 'envi':
      return readEnviWindow(file, window, opts);
    case 'mat':
      return cropCube(file, await readMat(file, opts), window);
    case 'geotiff':
      return readGeoTiffWindow(file, window, opts);
    case 'npy':
      return readNpyWindow(file, window, opts);
  }
}

/** Shape, sample type, interleave, byte order and wavelengths of a cube file, without reading its samples. */
export function cubeInfo(file: string, opts: ReadCubeOptions = {}): Promise<CubeInfo> {
  switch (opts.format ?? cubeFormatOf(file)) {
    case 'envi':
      return enviInfo(file);
    case 'mat':
      return matInfo(file, opts);
    case 'geotiff':
      return geoTiffInfo(file);
    case 'npy':
      return npyInfo(file, opts);
  }
}

/**
 * Write a cube by extension (ENVI: data file and header; .mat v5; .tif GeoTIFF; .npy). Every file goes
 * through a temp file renamed into place when complete. Returns the files written.
 */
export async function writeCube(
  file: string,
  cube: Cube,
  opts: WriteCubeOptions = {},
): Promise<string[]> {
  const format = opts.format ?? cubeFormatOf(file);
  switch (format) {
    case 'envi': {
      const { headerFile, dataFile } = await writeEnvi(file, cube, opts);
      return [dataFile, headerFile];
    }
    case 'mat':
      await writeMat(file, cube, opts);
      return [file];
    case 'geotiff': {
      const interleave = opts.interleave ?? 'bip';
      if (interleave === 'bil')
        throw new HsiFormatError(file, 'interleave', 'GeoTIFF stores bip or bsq, not bil');
      await writeGeoTiff(file, cube, { sampleType: opts.sampleType, interleave });
      return [file];
    }
    case 'npy':
      await writeNpy(file, cube, opts);
      return [file];
  }
}
