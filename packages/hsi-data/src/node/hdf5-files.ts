// HDF5 / NetCDF-4 cubes by path (Node only): opened in place through h5wasm's Node build (host file
// system), so a window reads only its hyperslab, never the whole file into memory; the cube is found
// by src/io/hdf5-cube.ts.
import * as path from 'node:path';
import type { Cube } from '../cube.js';
import { readRange, throwIfAborted } from '../io/byte-source.js';
import {
  type Hdf5CubeCandidate,
  type Hdf5ReadOptions,
  hdf5CubeCandidates,
  hdf5CubeInfo,
  hdf5CubeLayout,
  readHdf5CubeWindow,
} from '../io/hdf5-cube.js';
import { checkHdf5Length, h5wasmLoader, openHdf5 } from '../io/mat-v73.js';
import type { CubeInfo, ReadOptions } from '../io/types.js';
import type { CubeWindow } from '../io/window.js';
import { withFileSource } from './file-source.js';

/** h5wasm's Node build (host file system through NODERAWFS). */
const loadH5Node = h5wasmLoader(() => import('h5wasm/node'));

async function withHdf5File<T>(
  file: string,
  opts: ReadOptions,
  use: (h5: Awaited<ReturnType<typeof loadH5Node>>, f: ReturnType<typeof openHdf5>) => T,
): Promise<T> {
  throwIfAborted(opts.signal);
  // A file shorter than its superblock says fails as truncated, not as HDF5's "cannot open".
  await withFileSource(file, async (source) => {
    const head = await readRange(source, 0, Math.min(source.size, 4096), 'header');
    checkHdf5Length(head, source.size, file);
  });
  const h5 = await loadH5Node();
  const f = openHdf5(h5, path.resolve(file), file);
  try {
    return use(h5, f);
  } finally {
    f.close();
  }
}

/**
 * Read the cube of an HDF5 / NetCDF-4 file (.h5 .hdf5 .he5 .nc .nc4): the only 3-D numeric dataset,
 * or `opts.dataset`; its band axis from the file or `opts.bandAxis`. Samples keep their stored type;
 * `_FillValue` / `missing_value` becomes the cube's no-data value.
 */
export function readHdf5(file: string, opts: Hdf5ReadOptions & ReadOptions = {}): Promise<Cube> {
  return withHdf5File(file, opts, (h5, f) =>
    readHdf5CubeWindow(f, hdf5CubeLayout(h5, f, file, opts), file, undefined, opts),
  );
}

/** A window / band subset: only the window's rows and cols are read from the file. */
export function readHdf5Window(
  file: string,
  window: CubeWindow,
  opts: Hdf5ReadOptions & ReadOptions = {},
): Promise<Cube> {
  return withHdf5File(file, opts, (h5, f) =>
    readHdf5CubeWindow(f, hdf5CubeLayout(h5, f, file, opts), file, window, opts),
  );
}

/** Shape, sample type, dataset, band axis (and how it was found) and wavelengths of the cube. */
export function hdf5Info(
  file: string,
  opts: Hdf5ReadOptions & ReadOptions = {},
): Promise<CubeInfo> {
  return withHdf5File(file, opts, (h5, f) => hdf5CubeInfo(hdf5CubeLayout(h5, f, file, opts), file));
}

/** The 3-D numeric datasets of an HDF5 / NetCDF-4 file: the cubes `dataset` may name. */
export function listHdf5Cubes(file: string): Promise<Hdf5CubeCandidate[]> {
  return withHdf5File(file, {}, (h5, f) => hdf5CubeCandidates(h5, f));
}
