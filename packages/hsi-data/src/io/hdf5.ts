// HDF5 / NetCDF-4 cubes over bytes (the browser): the bytes go into h5wasm's in-memory file system,
// read by src/io/hdf5-cube.ts. The path-taking functions, which open the file in place without a
// copy, are in '@hsrkit/hsi-data/node' (src/node/hdf5-files.ts).
import type { Cube } from '../cube.js';
import {
  type ByteInput,
  readAll,
  sourceName,
  throwIfAborted,
  toByteSource,
} from './byte-source.js';
import {
  type Hdf5CubeCandidate,
  type Hdf5ReadOptions,
  hdf5CubeCandidates,
  hdf5CubeInfo,
  hdf5CubeLayout,
  readHdf5CubeWindow,
} from './hdf5-cube.js';
import { checkHdf5Length, h5wasmLoader, openHdf5 } from './mat-v73.js';
import type { CubeInfo, ReadOptions } from './types.js';
import type { CubeWindow } from './window.js';

/** h5wasm's browser-capable build (in-memory file system). */
const loadH5 = h5wasmLoader(() => import('h5wasm'));

let openCount = 0;

/** Runs `use` on the bytes opened as an HDF5 file in h5wasm's memory, then frees the copy. */
async function withHdf5Bytes<T>(
  input: ByteInput,
  opts: ReadOptions,
  use: (h5: Awaited<ReturnType<typeof loadH5>>, f: ReturnType<typeof openHdf5>, file: string) => T,
): Promise<T> {
  throwIfAborted(opts.signal);
  const source = toByteSource(input);
  const file = sourceName(source);
  const bytes = await readAll(source);
  checkHdf5Length(bytes.subarray(0, 4096), bytes.length, file);
  const h5 = await loadH5();
  const FS = h5.FS as NonNullable<typeof h5.FS>;
  const memPath = `/hsi-data-hdf5-${++openCount}.h5`;
  FS.writeFile(memPath, bytes);
  try {
    const f = openHdf5(h5, memPath, file);
    try {
      return use(h5, f, file);
    } finally {
      f.close();
    }
  } finally {
    FS.unlink(memPath);
  }
}

/** Read the cube of an HDF5 / NetCDF-4 file's bytes (see Hdf5ReadOptions for which one). */
export function readHdf5From(
  input: ByteInput,
  opts: Hdf5ReadOptions & ReadOptions = {},
): Promise<Cube> {
  return withHdf5Bytes(input, opts, (h5, f, file) =>
    readHdf5CubeWindow(f, hdf5CubeLayout(h5, f, file, opts), file, undefined, opts),
  );
}

/** A window / band subset of the cube of an HDF5 / NetCDF-4 file's bytes. */
export function readHdf5WindowFrom(
  input: ByteInput,
  window: CubeWindow,
  opts: Hdf5ReadOptions & ReadOptions = {},
): Promise<Cube> {
  return withHdf5Bytes(input, opts, (h5, f, file) =>
    readHdf5CubeWindow(f, hdf5CubeLayout(h5, f, file, opts), file, window, opts),
  );
}

/** Shape, sample type, band axis and wavelengths of the cube, without reading its samples. */
export function hdf5InfoFrom(
  input: ByteInput,
  opts: Hdf5ReadOptions & ReadOptions = {},
): Promise<CubeInfo> {
  return withHdf5Bytes(input, opts, (h5, f, file) =>
    hdf5CubeInfo(hdf5CubeLayout(h5, f, file, opts), file),
  );
}

/** The 3-D numeric datasets of an HDF5 / NetCDF-4 file's bytes: the cubes `dataset` may name. */
export function listHdf5CubesFrom(input: ByteInput): Promise<Hdf5CubeCandidate[]> {
  return withHdf5Bytes(input, {}, (h5, f) => hdf5CubeCandidates(h5, f));
}
