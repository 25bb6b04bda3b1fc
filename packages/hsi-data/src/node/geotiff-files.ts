// GeoTIFF by path (Node only): the byte readers of src/io/geotiff.ts over an open file.
import type { Cube } from '../cube.js';
import {
  encodeGeoTiff,
  type GeoTiffWriteOptions,
  geoTiffInfoFrom,
  readGeoTiffFrom,
  readGeoTiffWindowFrom,
} from '../io/geotiff.js';
import type { CubeInfo, ReadOptions } from '../io/types.js';
import type { CubeWindow } from '../io/window.js';
import { atomicFileWriter } from './atomic-write.js';
import { onFile } from './file-source.js';

/** Shape, sample type, interleave, tiling and wavelengths of a (multi-band) GeoTIFF, from its header. */
export const geoTiffInfo: (file: string) => Promise<CubeInfo> = onFile(geoTiffInfoFrom);

/** Read a multi-band GeoTIFF (striped or tiled, pixel- or band-interleaved, any compression geotiff reads) as a BIP cube. */
export const readGeoTiff: (file: string, opts?: ReadOptions) => Promise<Cube> =
  onFile(readGeoTiffFrom);

/** Read a window and/or band subset of a GeoTIFF, reading only the strips or tiles it touches. */
export const readGeoTiffWindow: (
  file: string,
  window: CubeWindow,
  opts?: ReadOptions,
) => Promise<Cube> = onFile(readGeoTiffWindowFrom);

/** Write a cube as a multi-band GeoTIFF (see `encodeGeoTiff`) through a temp file and a rename. */
export const writeGeoTiff: (file: string, cube: Cube, opts?: GeoTiffWriteOptions) => Promise<void> =
  atomicFileWriter(encodeGeoTiff);
