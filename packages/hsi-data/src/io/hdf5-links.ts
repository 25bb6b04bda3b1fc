// HDF5 objects that live in other files: an external link (`ExternalLink('other.h5', '/x')`) or a
// virtual dataset whose sources are other files. HDF5 follows both silently, by whatever path the
// file records (absolute, or relative to the file or the working directory), so a cube file could
// make a reader open any file on the machine. hsi-data reads only the file it was given: such paths
// are left out of listings and refused by name (src/io/hdf5-cube.ts, src/io/mat-v73.ts).
import { HsiFormatError } from '../errors.js';

/** The part of an open h5wasm file these checks use (its File, browser or Node build). */
interface H5Links {
  get_link(path: string): string | null;
  get_external_link(path: string): { filename?: string; obj_path?: string };
}

/** Soft links followed when checking a path: deeper chains are refused (HDF5 itself allows 16). */
const MAX_SOFT_LINKS = 16;

const normalize = (p: string) => `/${p.split('/').filter(Boolean).join('/')}`;

/**
 * Where `path` leaves the file, or undefined when every link on it stays inside: each prefix is
 * looked at in order, so no link past an external one is ever resolved (that would open the other
 * file); soft links are followed to their targets and those checked the same way.
 */
export function externalTarget(f: unknown, path: string, depth = 0): string | undefined {
  const h = f as H5Links;
  const parts = normalize(path).split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const prefix = `/${parts.slice(0, i).join('/')}`;
    const ext = h.get_external_link(prefix);
    if (ext?.filename) return `${prefix} -> ${ext.filename}:${ext.obj_path ?? '/'}`;
    const soft = h.get_link(prefix);
    if (typeof soft === 'string') {
      if (depth >= MAX_SOFT_LINKS) return `${prefix}: more than ${MAX_SOFT_LINKS} soft links`;
      const target = soft.startsWith('/') ? soft : `/${[...parts.slice(0, i - 1), soft].join('/')}`;
      const rest = parts.slice(i).join('/');
      return externalTarget(f, rest ? `${target}/${rest}` : target, depth + 1);
    }
  }
  return undefined;
}

/** The other files a dataset's metadata names as virtual sources ('.' is the file itself). */
export function virtualSourceFiles(metadata: unknown): string[] {
  const sources = (metadata as { virtual_sources?: { file_name: string }[] }).virtual_sources;
  return (sources ?? []).map((s) => s.file_name).filter((n) => n !== '.');
}

/** Throws `HsiFormatError` naming `file` and `path` when the path leads to another file. */
export function checkPathInFile(f: unknown, path: string, file: string): void {
  const out = externalTarget(f, path);
  if (out)
    throw new HsiFormatError(
      file,
      path,
      `an HDF5 external link to another file (${out}): only the file given is read; copy the data into it (h5repack, h5copy)`,
    );
}

/** Throws `HsiFormatError` when a dataset is virtual with sources in other files. */
export function checkNotVirtualElsewhere(metadata: unknown, path: string, file: string): void {
  const others = virtualSourceFiles(metadata);
  if (others.length)
    throw new HsiFormatError(
      file,
      path,
      `a virtual dataset reading other files (${[...new Set(others)].join(', ')}): only the file given is read; make it a real dataset first (h5repack -l CONTI)`,
    );
}

/** The part of h5wasm's Emscripten file system the guard below uses. */
interface EmscriptenFs {
  open: (...args: unknown[]) => unknown;
  ErrnoError: new (errno: number) => Error;
}
/** Emscripten's EACCES. */
const EACCES = 2;

/**
 * Runs `fn` (synchronous h5wasm calls on the file at `allowed`) with h5wasm's file system refusing
 * to open any other path. It catches what the checks above cannot see, above all a dataset whose
 * raw data HDF5 keeps in external files (H5Pset_external: any path, h5wasm says nothing of it). HDF5
 * then returns what it has without an error (uninitialised samples), so any such attempt fails the
 * call with an HsiFormatError naming the files it tried.
 */
export function confinedToFile<T>(fs: unknown, allowed: string, file: string, fn: () => T): T {
  const FS = fs as EmscriptenFs;
  const open = FS.open;
  const tried: string[] = [];
  FS.open = function guardedOpen(this: unknown, ...args: unknown[]) {
    const p = args[0];
    if (typeof p === 'string' && p !== allowed) {
      tried.push(p);
      throw new FS.ErrnoError(EACCES);
    }
    return open.apply(this, args);
  };
  let out: T;
  try {
    out = fn();
  } finally {
    FS.open = open;
  }
  if (tried.length)
    throw new HsiFormatError(
      file,
      'HDF5',
      `reading it opens other files (${[...new Set(tried)].join(', ')}: external raw data, links or virtual sources): only the file given is read; make the data local first (h5repack)`,
    );
  return out;
}
