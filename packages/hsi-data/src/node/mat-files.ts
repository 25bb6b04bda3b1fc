// MATLAB .mat files by path (Node only). v5 files are read whole and parsed like bytes; v7.3 (HDF5)
// files are opened by path through h5wasm's Node build (host file system), so only the variables
// asked for are read, never a copy of the whole file in wasm memory.
import * as path from 'node:path';
import type { Cube } from '../cube.js';
import { readAll, readRange } from '../io/byte-source.js';
import {
  MAT_HEAD_BYTES,
  type MatContainer,
  type MatReadOptions,
  type MatVariableInfo,
  matInfoFromContainer,
  matV5Container,
  matVersionOf,
  readMatFromContainer,
  withMatContainer,
} from '../io/mat.js';
import { encodeMat, type MatWriteOptions } from '../io/mat-writer.js';
import { confinedToFile } from '../io/hdf5-links.js';
import { checkHdf5Length, h5wasmLoader, hdf5MatVariables, openHdf5 } from '../io/mat-v73.js';
import type { CubeInfo, ReadOptions } from '../io/types.js';
import { atomicFileWriter } from './atomic-write.js';
import { withFileSource } from './file-source.js';

/** h5wasm's Node build (host file system through NODERAWFS). */
const loadH5Node = h5wasmLoader(() => import('h5wasm/node'));

/** Opens a MAT-file by path: v5 read into memory, v7.3 opened in place with h5wasm's Node build. */
async function openMatFile(file: string): Promise<MatContainer> {
  const v5OrHead = await withFileSource(file, async (source) => {
    const head = await readRange(source, 0, Math.min(source.size, MAT_HEAD_BYTES), 'header');
    const { version } = matVersionOf(head, file);
    if (version === 'v5') return { v5: await readAll(source), size: source.size };
    checkHdf5Length(head, source.size, file);
    return { v5: undefined, size: source.size };
  });
  if (v5OrHead.v5) return matV5Container(v5OrHead.v5, file);
  const h5wasm = await loadH5Node();
  const where = path.resolve(file);
  const f = openHdf5(h5wasm, where, file);
  return {
    file,
    version: 'v7.3',
    littleEndian: true,
    // HDF5 would open any other file the data points to: only this one may be (hdf5-links.ts).
    variables: (opts) =>
      confinedToFile(h5wasm.FS, where, file, () =>
        hdf5MatVariables(h5wasm, f, opts, { file, size: v5OrHead.size }),
      ),
    close: () => {
      f.close();
    },
  };
}

/** Name, MATLAB class, dimensions and stored type of every top-level variable (data not decoded). */
export function listMatVariables(file: string): Promise<MatVariableInfo[]> {
  return withMatContainer(openMatFile(file), async (mat) => mat.variables({ headersOnly: true }));
}

/**
 * Read a cube from a MATLAB .mat file, v5 (compressed or not, either byte order) or v7.3 (HDF5).
 * Samples keep the type they are stored in (like scipy.io.loadmat): MATLAB may store a double array
 * as uint16, which is read as Uint16Array. MATLAB arrays are column-major; the cube is re-ordered.
 */
export function readMat(file: string, opts: MatReadOptions = {}): Promise<Cube> {
  return withMatContainer(openMatFile(file), (mat) => readMatFromContainer(mat, opts));
}

/** Shape and types of the cube `readMat` would return, reading only variable headers (and scalars). */
export function matInfo(
  file: string,
  opts: Omit<MatReadOptions, keyof ReadOptions> = {},
): Promise<CubeInfo> {
  return withMatContainer(openMatFile(file), (mat) => matInfoFromContainer(mat, opts));
}

/** Write a cube as a MAT v5 file (readable by MATLAB, scipy.io.loadmat, Octave) through a temp file and a rename. */
export const writeMat: (file: string, cube: Cube, opts?: MatWriteOptions) => Promise<void> =
  atomicFileWriter(encodeMat);
