// Cubes by path (Node only): `readCube(file)` and friends pick the format from the extension and
// call that format's path functions; `writeCube` writes what `encodeCube` encodes, atomically.
import type { Cube } from '../cube.js';
import {
  cubeFormatOf,
  encodeCube,
  type ReadCubeOptions,
  type WriteCubeOptions,
} from '../io/cube-io.js';
import type { CubeFormat, CubeInfo } from '../io/types.js';
import { type CubeWindow, cropCube } from '../io/window.js';
import { writeEncodedFiles } from './atomic-write.js';
import { enviInfo, readEnvi, readEnviWindow } from './envi-files.js';
import { geoTiffInfo, readGeoTiff, readGeoTiffWindow } from './geotiff-files.js';
import { hdf5Info, readHdf5, readHdf5Window } from './hdf5-files.js';
import { matInfo, readMat } from './mat-files.js';
import { npyInfo, readNpy, readNpyWindow } from './npy-files.js';

/** The path functions of each format. */
const BY_FORMAT: Record<
  CubeFormat,
  {
    read(file: string, opts: ReadCubeOptions): Promise<Cube>;
    readWindow(file: string, window: CubeWindow, opts: ReadCubeOptions): Promise<Cube>;
    info(file: string, opts: ReadCubeOptions): Promise<CubeInfo>;
  }
> = {
  envi: { read: readEnvi, readWindow: readEnviWindow, info: (file) => enviInfo(file) },
  // A MAT variable is decoded whole, then cropped.
  mat: {
    read: readMat,
    readWindow: async (file, window, opts) => cropCube(file, await readMat(file, opts), window),
    info: matInfo,
  },
  geotiff: { read: readGeoTiff, readWindow: readGeoTiffWindow, info: (file) => geoTiffInfo(file) },
  npy: { read: readNpy, readWindow: readNpyWindow, info: npyInfo },
  // Only the window's hyperslab is read.
  hdf5: { read: readHdf5, readWindow: readHdf5Window, info: hdf5Info },
};

/** Read a whole cube from an ENVI, MATLAB (v5 / v7.3), GeoTIFF, NPY or HDF5 / NetCDF-4 file, chosen by extension. */
export async function readCube(file: string, opts: ReadCubeOptions = {}): Promise<Cube> {
  return BY_FORMAT[opts.format ?? cubeFormatOf(file)].read(file, opts);
}

/**
 * Read a window / band subset. ENVI, NPY, GeoTIFF and HDF5 read only the byte ranges (strips, tiles,
 * hyperslabs) the window needs, so a multi-GB scene can be tiled in bounded memory; a MAT variable is decoded whole and cropped.
 */
export async function readCubeWindow(
  file: string,
  window: CubeWindow,
  opts: ReadCubeOptions = {},
): Promise<Cube> {
  return BY_FORMAT[opts.format ?? cubeFormatOf(file)].readWindow(file, window, opts);
}

/** Shape, sample type, interleave, byte order and wavelengths of a cube file, without reading its samples. */
export async function cubeInfo(file: string, opts: ReadCubeOptions = {}): Promise<CubeInfo> {
  return BY_FORMAT[opts.format ?? cubeFormatOf(file)].info(file, opts);
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
  return writeEncodedFiles(encodeCube(file, cube, opts));
}
