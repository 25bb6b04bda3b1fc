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
import { type H5Api, openHdf5Bytes } from './mat-v73.js';
import type { CubeInfo, ReadOptions } from './types.js';
import type { CubeWindow } from './window.js';

/** Runs `use` on the bytes opened as an HDF5 file in h5wasm's memory, then frees the copy. */
async function withHdf5Bytes<T>(
  input: ByteInput,
  opts: ReadOptions,
  use: (h5: H5Api, f: Awaited<ReturnType<typeof openHdf5Bytes>>['f'], file: string) => T,
): Promise<T> {
  throwIfAborted(opts.signal);
  const source = toByteSource(input);
  const file = sourceName(source);
  const { h5, f, close, confined } = await openHdf5Bytes(await readAll(source), file);
  try {
    return confined(() => use(h5, f, file));
  } finally {
    close();
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
