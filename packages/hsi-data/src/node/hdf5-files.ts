// HDF5 / NetCDF-4 cubes by path (Node only): opened in place through h5wasm's Node build (host file
// system), so a window reads only its hyperslab, never the whole file into memory; the cube is found
// by src/io/hdf5-cube.ts.
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { Cube } from '../cube.js';
import { readRange, throwIfAborted } from '../io/byte-source.js';
import {
  type Hdf5CubeCandidate,
  type Hdf5CubeLayout,
  type Hdf5ReadOptions,
  hdf5CubeCandidates,
  hdf5CubeInfo,
  hdf5CubeLayout,
  readHdf5CubeWindow,
} from '../io/hdf5-cube.js';
import { confinedToFile } from '../io/hdf5-links.js';
import { checkHdf5Length, h5wasmLoader, openHdf5 } from '../io/mat-v73.js';
import type { CubeInfo, ReadOptions } from '../io/types.js';
import type { CubeWindow } from '../io/window.js';
import { withFileSource } from './file-source.js';

/** h5wasm's Node build (host file system through NODERAWFS). */
const loadH5Node = h5wasmLoader(() => import('h5wasm/node'));

type H5Node = Awaited<ReturnType<typeof loadH5Node>>;
type H5File = ReturnType<typeof openHdf5>;

/** Opens `file` in place (after checking it is not truncated), runs `use`, closes it. */
async function withHdf5File<T>(
  file: string,
  opts: ReadOptions,
  use: (h5: H5Node, f: H5File) => T,
): Promise<T> {
  throwIfAborted(opts.signal);
  // A file shorter than its superblock says fails as truncated, not as HDF5's "cannot open".
  await withFileSource(file, async (source) => {
    const head = await readRange(source, 0, Math.min(source.size, 4096), 'header');
    checkHdf5Length(head, source.size, file);
  });
  const h5 = await loadH5Node();
  const where = path.resolve(file);
  const f = openHdf5(h5, where, file);
  try {
    // HDF5 would open any other file the data points to: only this one may be (hdf5-links.ts).
    return confinedToFile(h5.FS, where, file, () => use(h5, f));
  } finally {
    f.close();
  }
}

/**
 * Layouts found recently, by file identity (path, device, inode, size, mtime) and selection: a tiled
 * run reads a window per tile, and finding the cube walks the whole tree of the file (a product with
 * ~1200 objects took ~0.5 s per window, more than the window's own read). A file rewritten in place
 * changes size or mtime, so it is looked at again.
 */
const layoutCache = new Map<string, Hdf5CubeLayout>();
const LAYOUT_CACHE_ENTRIES = 16;

/** Like withHdf5File, with the cube's layout: found once per file and selection, then reused. */
async function withHdf5Layout<T>(
  file: string,
  opts: Hdf5ReadOptions & ReadOptions,
  use: (f: H5File, layout: Hdf5CubeLayout) => T,
): Promise<T> {
  const st = await stat(file, { bigint: true });
  const key = JSON.stringify(
    [path.resolve(file), st.dev, st.ino, st.size, st.mtimeNs]
      .map(String)
      .concat([opts.dataset ?? '', String(opts.bandAxis ?? '')]),
  );
  return withHdf5File(file, opts, (h5, f) => {
    let layout = layoutCache.get(key);
    if (layout)
      layoutCache.delete(key); // most recently used last
    else {
      layout = hdf5CubeLayout(h5, f, file, opts);
      if (layoutCache.size >= LAYOUT_CACHE_ENTRIES)
        layoutCache.delete(layoutCache.keys().next().value as string);
    }
    layoutCache.set(key, layout);
    // A copy: cubes carry its wavelength arrays, which a caller may change.
    return use(f, structuredClone(layout));
  });
}

/**
 * Read the cube of an HDF5 / NetCDF-4 file (.h5 .hdf5 .he5 .nc .nc4): the only 3-D numeric dataset,
 * or `opts.dataset`; its band axis from the file or `opts.bandAxis`. Samples keep their stored type;
 * `_FillValue` / `missing_value` becomes the cube's no-data value.
 */
export function readHdf5(file: string, opts: Hdf5ReadOptions & ReadOptions = {}): Promise<Cube> {
  return withHdf5Layout(file, opts, (f, layout) =>
    readHdf5CubeWindow(f, layout, file, undefined, opts),
  );
}

/** A window / band subset: only the window's rows and cols are read from the file. */
export function readHdf5Window(
  file: string,
  window: CubeWindow,
  opts: Hdf5ReadOptions & ReadOptions = {},
): Promise<Cube> {
  return withHdf5Layout(file, opts, (f, layout) =>
    readHdf5CubeWindow(f, layout, file, window, opts),
  );
}

/** Shape, sample type, dataset, band axis (and how it was found) and wavelengths of the cube. */
export function hdf5Info(
  file: string,
  opts: Hdf5ReadOptions & ReadOptions = {},
): Promise<CubeInfo> {
  return withHdf5Layout(file, opts, (_f, layout) => hdf5CubeInfo(layout, file));
}

/** The 3-D numeric datasets of an HDF5 / NetCDF-4 file: the cubes `dataset` may name. */
export function listHdf5Cubes(file: string): Promise<Hdf5CubeCandidate[]> {
  return withHdf5File(file, {}, (h5, f) => hdf5CubeCandidates(h5, f));
}
