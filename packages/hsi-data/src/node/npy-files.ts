// NPY arrays by path (Node only): the byte readers of src/io/npy.ts over an open file.
import type { Cube } from '../cube.js';
import {
  encodeNpy,
  type NpyAxes,
  type NpyReadOptions,
  type NpyWriteOptions,
  npyInfoFrom,
  readNpyFrom,
  readNpyWindowFrom,
} from '../io/npy.js';
import type { CubeInfo } from '../io/types.js';
import type { CubeWindow } from '../io/window.js';
import { atomicFileWriter } from './atomic-write.js';
import { onFile } from './file-source.js';

/** Shape, sample type and byte order of a .npy cube, from its header. */
export const npyInfo: (file: string, opts?: { axes?: NpyAxes }) => Promise<CubeInfo> =
  onFile(npyInfoFrom);

/** Read a 3-D .npy array (any byte order, C or Fortran order) as a cube. */
export const readNpy: (file: string, opts?: NpyReadOptions) => Promise<Cube> = onFile(readNpyFrom);

/** Read a window of a 3-D .npy array, reading only the byte ranges it needs. */
export const readNpyWindow: (
  file: string,
  window: CubeWindow,
  opts?: NpyReadOptions,
) => Promise<Cube> = onFile(readNpyWindowFrom);

/** Write a cube as .npy (C order, little-endian) through a temp file and a rename. */
export const writeNpy: (file: string, cube: Cube, opts?: NpyWriteOptions) => Promise<void> =
  atomicFileWriter(encodeNpy);
