// A cube from an HDF5 or NetCDF-4 file (NetCDF-4 is HDF5): a 3-D numeric dataset, whichever axis
// holds the bands. Spaceborne archives ship their cubes this way (EMIT L1B/L2A NetCDF-4: radiance or
// reflectance as downtrack x crosstrack x bands; PRISMA HE5: VNIR and SWIR cubes as rows x bands x
// cols), each with its own layout, so nothing here is tied to one product: the dataset and its band
// axis are found from what the file says (dimension names, a wavelength list of matching length)
// or named by the caller. Works on an open h5wasm file, so the browser (bytes in h5wasm's memory
// file system, src/io/hdf5.ts) and Node (opened by path, src/node/hdf5-files.ts) share it.
import type { Cube, Interleave } from '../cube.js';
import { HsiFormatError } from '../errors.js';
import { BYTES_PER_SAMPLE, type SampleType } from './dtypes.js';
import { applyNonFinitePolicy } from './finite.js';
import {
  checkNotVirtualElsewhere,
  checkPathInFile,
  externalTarget,
  virtualSourceFiles,
} from './hdf5-links.js';
import { type H5Api, MAX_DECODED_BYTES, sampleTypeOfH5, toCubeArray } from './mat-v73.js';
import type { CubeInfo, ReadOptions } from './types.js';
import { type CubeWindow, checkWindow, cropCube } from './window.js';

type H5File = InstanceType<H5Api['File']>;
type H5Dataset = InstanceType<H5Api['Dataset']>;

/** What picks the cube in an HDF5 / NetCDF-4 file when the file alone cannot tell. */
export interface Hdf5ReadOptions {
  /** Path of the 3-D dataset (e.g. `/reflectance`, `/HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields/VNIR_Cube`);
   * default: the file's only 3-D numeric dataset. */
  dataset?: string;
  /** Which of the dataset's axes (0, 1, 2, in HDF5's row-major order) holds the bands; default:
   * from the file (a dimension named like bands or wavelength, a wavelength list of that length),
   * else the one axis far shorter than the other two. */
  bandAxis?: number;
}

/** How the band axis was decided: reported by `cubeInfo` so a user can check it. */
export type BandAxisSource = 'option' | 'dimension name' | 'wavelengths' | 'shortest axis';

/** A 3-D numeric dataset of the file, and the sample type it stores. */
export interface Hdf5CubeCandidate {
  path: string;
  shape: [number, number, number];
  sampleType: SampleType;
}

/** The cube an HDF5 file holds, as found: dataset, axes, wavelengths, no-data value. */
export interface Hdf5CubeLayout {
  dataset: string;
  shape: [number, number, number];
  sampleType: SampleType;
  bandAxis: number;
  bandAxisFrom: BandAxisSource;
  rows: number;
  cols: number;
  bands: number;
  interleave: Interleave;
  wavelengths?: number[];
  wavelengthUnits?: string;
  noDataValue?: number;
  /** Band widths (FWHM), in the wavelengths' units. */
  fwhm?: number[];
  /** Where the wavelengths came from (a dataset path or `path@attribute`). */
  wavelengthsFrom?: string;
  /** One stored chunk as rows x cols x bands (absent: contiguous storage). */
  chunk?: { rows: number; cols: number; bands: number };
  /** CF packing: physical value = stored x scale_factor + add_offset (samples are kept as stored). */
  cfScaleFactor?: number;
  cfAddOffset?: number;
}

/** Band axis -> the interleave of HDF5's row-major order: bands first is BSQ, middle BIL, last BIP. */
const INTERLEAVE_OF_BAND_AXIS: Interleave[] = ['bsq', 'bil', 'bip'];

/** Dimension names that mean "this axis is spectral", as a word of the name: `bands`,
 * `blue_bands` (PACE OCI), `number_of_bands`, `wavelength`, `wavelength_3d`, `band_number`... */
const BAND_NAME =
  /(^|[_\s-])(bands?|wavelengths?|spectral|spectrum|channels?|lambda|wl|wvl|nbands?)($|[_\s-])/i;
/** Dataset or attribute names that hold band centre wavelengths. */
const WAVELENGTH_NAME = /(wavelength|wvl|lambda|^cw$|^list_cw|centre_?wave|center_?wave)/i;

/** Every object path below the root, with a leading slash (h5wasm lists the whole tree in one call;
 * a product with hundreds of auxiliary datasets takes ~0.1 s, so a layout lists it once). */
function objectPaths(f: H5File): string[] {
  return f.paths().map((p) => (p.startsWith('/') ? p : `/${p}`));
}

/**
 * The candidate at `path`, or undefined when it is not a 3-D numeric dataset of this file (an
 * external link or a virtual dataset over other files is not: src/io/hdf5-links.ts). With `file`,
 * those two are errors naming it instead (a dataset the caller asked for by name).
 */
function candidateAt(
  h5: H5Api,
  f: H5File,
  path: string,
  file?: string,
): Hdf5CubeCandidate | undefined {
  if (file !== undefined) checkPathInFile(f, path, file);
  else if (externalTarget(f, path)) return undefined;
  const d = f.get(path);
  if (!(d instanceof h5.Dataset)) return undefined;
  if (file !== undefined) checkNotVirtualElsewhere(d.metadata, path, file);
  else if (virtualSourceFiles(d.metadata).length) return undefined;
  const shape = d.shape;
  const sampleType = sampleTypeOfH5(d.metadata);
  return shape?.length === 3 && sampleType && shape.every((n) => n > 0)
    ? { path, shape: shape as [number, number, number], sampleType }
    : undefined;
}

/** The file's 3-D numeric datasets: the cubes it could mean. */
export function hdf5CubeCandidates(
  h5: H5Api,
  f: H5File,
  paths = objectPaths(f),
): Hdf5CubeCandidate[] {
  return paths.flatMap((path) => candidateAt(h5, f, path) ?? []);
}

const describe = (c: Hdf5CubeCandidate) => `${c.path} (${c.shape.join(' x ')} ${c.sampleType})`;

/** A number attribute (first element of an array), or undefined. */
function numberAttr(d: H5Dataset, names: string[]): number | undefined {
  const attrs = d.attrs;
  for (const n of names) {
    const a = attrs[n];
    if (!a) continue;
    const v = a.value as unknown;
    const x = ArrayBuffer.isView(v)
      ? Number((v as unknown as ArrayLike<number | bigint>)[0])
      : Number(v);
    if (Number.isFinite(x)) return x;
  }
  return undefined;
}

function stringAttr(
  d: { attrs: Record<string, { value: unknown }> },
  name: string,
): string | undefined {
  const v = d.attrs[name]?.value;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

/** A 1-D numeric vector of an attribute or dataset, or undefined. */
function asVector(v: unknown): number[] | undefined {
  if (!ArrayBuffer.isView(v) || v instanceof DataView) return undefined;
  const arr = Array.from(v as unknown as ArrayLike<number | bigint>, Number);
  return arr.length > 1 && arr.every(Number.isFinite) ? arr : undefined;
}

/** Names of the dataset's dimensions: NetCDF-4 dimension scales, else HDF5 dimension labels. */
function dimensionNames(d: H5Dataset): (string | undefined)[] {
  const names: (string | undefined)[] = [];
  let labels: (string | null)[] = [];
  try {
    labels = d.get_dimension_labels();
  } catch {
    labels = [];
  }
  for (let i = 0; i < 3; i++) {
    let name: string | undefined;
    try {
      const scales = d.get_attached_scales(i);
      if (scales.length) name = scales[0].split('/').pop();
    } catch {
      name = undefined;
    }
    names.push(name || labels[i] || undefined);
  }
  return names;
}

/** Dataset or attribute names that hold band widths (full width at half maximum). */
const FWHM_NAME = /(fwhm|bandwidth)/i;

type NamedVector = { from: string; values: number[]; units?: string };

/** Vectors named like `pattern` in the file: 1-D datasets, and attributes of the root, the cube and
 * its group. */
function namedVectors(
  h5: H5Api,
  f: H5File,
  paths: string[],
  dataset: string,
  pattern: RegExp,
): NamedVector[] {
  const out: NamedVector[] = [];
  for (const path of paths) {
    // The name first: opening every object of a large product costs more than the whole read.
    if (!pattern.test(path.split('/').pop() ?? '')) continue;
    if (externalTarget(f, path)) continue; // never opens another file for a wavelength list
    const d = f.get(path);
    if (!(d instanceof h5.Dataset) || virtualSourceFiles(d.metadata).length) continue;
    if (d.shape?.length !== 1 || sampleTypeOfH5(d.metadata) === undefined) continue;
    const values = asVector(d.value);
    if (values) out.push({ from: path, values, units: stringAttr(d, 'units') });
  }
  const parent = dataset.split('/').slice(0, -1).join('/') || '/';
  for (const holder of new Set(['/', parent, dataset])) {
    const h = f.get(holder) as H5Dataset | null;
    if (!h) continue;
    for (const [name, a] of Object.entries(h.attrs)) {
      if (!pattern.test(name)) continue;
      const values = asVector(a.value);
      if (values) out.push({ from: `${holder}@${name}`, values });
    }
  }
  return out;
}

/**
 * The vector of `n` values meant for `dataset`: of several (PRISMA's List_Cw_Vnir and List_Cw_Swir),
 * the one whose name shares a word with the dataset's (VNIR_Cube -> Vnir).
 */
function vectorFor(vectors: NamedVector[], n: number, dataset: string): NamedVector | undefined {
  const fits = vectors.filter((v) => v.values.length === n);
  if (fits.length <= 1) return fits[0];
  const words = (dataset.split('/').pop() ?? '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 3 && w !== 'cube' && w !== 'data');
  return fits.find((v) => words.some((w) => v.from.toLowerCase().includes(w))) ?? fits[0];
}

/**
 * Finds the cube of an open HDF5 / NetCDF-4 file: the dataset (`opts.dataset`, else the only 3-D
 * numeric one), its band axis, wavelengths and no-data value. Throws `HsiFormatError` naming the
 * file and what is missing or ambiguous, listing the candidates.
 */
export function hdf5CubeLayout(
  h5: H5Api,
  f: H5File,
  file: string,
  opts: Hdf5ReadOptions = {},
): Hdf5CubeLayout {
  const paths = objectPaths(f);
  let chosen: Hdf5CubeCandidate | undefined;
  if (opts.dataset !== undefined) {
    const path = opts.dataset.startsWith('/') ? opts.dataset : `/${opts.dataset}`;
    // A named dataset is checked alone; the others are listed only to say what the file has.
    try {
      chosen = candidateAt(h5, f, path, file);
    } catch (e) {
      if (e instanceof HsiFormatError) throw e; // in another file: said as such
      chosen = undefined; // a missing group on the way: not a dataset of this file
    }
    if (!chosen) {
      const candidates = hdf5CubeCandidates(h5, f, paths);
      throw new HsiFormatError(
        file,
        'dataset',
        `'${opts.dataset}' is not a 3-D numeric dataset of this file; ${candidates.length ? `its 3-D datasets: ${candidates.map(describe).join(', ')}` : 'it has none'}`,
      );
    }
  } else {
    const candidates = hdf5CubeCandidates(h5, f, paths);
    if (candidates.length === 1) chosen = candidates[0];
    else if (candidates.length === 0) {
      const elsewhere = paths.flatMap((p) => {
        const out = externalTarget(f, p);
        return out ? [out] : [];
      });
      throw new HsiFormatError(
        file,
        'dataset',
        `no 3-D numeric dataset in this HDF5 file${elsewhere.length ? ` (external links to other files, never followed: ${elsewhere.slice(0, 5).join(', ')}${elsewhere.length > 5 ? ', ...' : ''})` : ''}`,
      );
    } else
      throw new HsiFormatError(
        file,
        'dataset',
        `${candidates.length} 3-D datasets, pass the one to read (dataset / --dataset): ${candidates.map(describe).join(', ')}`,
      );
  }
  const d = f.get(chosen.path) as H5Dataset;
  const shape = chosen.shape;
  const vectors = namedVectors(h5, f, paths, chosen.path, WAVELENGTH_NAME);

  let bandAxis: number | undefined;
  let bandAxisFrom: BandAxisSource | undefined;
  if (opts.bandAxis !== undefined) {
    if (![0, 1, 2].includes(opts.bandAxis))
      throw new HsiFormatError(file, 'bandAxis', `must be 0, 1 or 2, got ${opts.bandAxis}`);
    bandAxis = opts.bandAxis;
    bandAxisFrom = 'option';
  }
  if (bandAxis === undefined) {
    const named = dimensionNames(d).flatMap((n, i) => (n && BAND_NAME.test(n) ? [i] : []));
    if (named.length === 1) {
      bandAxis = named[0];
      bandAxisFrom = 'dimension name';
    }
  }
  if (bandAxis === undefined) {
    const axes = new Set(
      vectors.flatMap((v) => shape.flatMap((n, i) => (n === v.values.length ? [i] : []))),
    );
    if (axes.size === 1) {
      bandAxis = [...axes][0];
      bandAxisFrom = 'wavelengths';
    }
  }
  if (bandAxis === undefined) {
    // One axis at most half as long as each other one: a scene is wider than it has bands.
    const order = [0, 1, 2].sort((a, b) => shape[a] - shape[b]);
    if (2 * shape[order[0]] <= shape[order[1]]) {
      bandAxis = order[0];
      bandAxisFrom = 'shortest axis';
    }
  }
  if (bandAxis === undefined || bandAxisFrom === undefined)
    throw new HsiFormatError(
      file,
      'bandAxis',
      `cannot tell which axis of ${chosen.path} (${shape.join(' x ')}) holds the bands (no dimension named like bands, no wavelength list of one axis' length): pass bandAxis / --band-axis (0, 1 or 2)`,
    );
  const [rows, cols] = [0, 1, 2].filter((i) => i !== bandAxis).map((i) => shape[i]);
  const bands = shape[bandAxis];
  const wl = vectorFor(vectors, bands, chosen.path);
  const fwhm = vectorFor(namedVectors(h5, f, paths, chosen.path, FWHM_NAME), bands, chosen.path);
  const layout: Hdf5CubeLayout = {
    dataset: chosen.path,
    shape,
    sampleType: chosen.sampleType,
    bandAxis,
    bandAxisFrom,
    rows,
    cols,
    bands,
    interleave: INTERLEAVE_OF_BAND_AXIS[bandAxis],
  };
  if (fwhm) layout.fwhm = fwhm.values;
  if (wl) {
    layout.wavelengths = wl.values;
    layout.wavelengthsFrom = wl.from;
    const units = wl.units ?? stringAttr(d, 'wavelength_units');
    if (units) layout.wavelengthUnits = units;
  }
  // CF / NetCDF `_FillValue` and `missing_value`; HDF-EOS products often say `FillValue`.
  const noData = numberAttr(d, ['_FillValue', 'missing_value', 'FillValue', 'fill_value']);
  if (noData !== undefined) layout.noDataValue = noData;
  const chunks = d.metadata.chunks;
  if (chunks?.length === 3) {
    const [r, c] = [0, 1, 2].filter((i) => i !== bandAxis).map((i) => chunks[i]);
    layout.chunk = { rows: r, cols: c, bands: chunks[bandAxis] };
  }
  const scale = numberAttr(d, ['scale_factor']);
  const offset = numberAttr(d, ['add_offset']);
  if (scale !== undefined) layout.cfScaleFactor = scale;
  if (offset !== undefined) layout.cfAddOffset = offset;
  return layout;
}

/** CubeInfo of a layout. */
export function hdf5CubeInfo(layout: Hdf5CubeLayout, file: string): CubeInfo {
  return {
    format: 'hdf5',
    file,
    dataFile: file,
    rows: layout.rows,
    cols: layout.cols,
    bands: layout.bands,
    sampleType: layout.sampleType,
    interleave: layout.interleave,
    littleEndian: true,
    ...(layout.wavelengths
      ? { wavelengths: layout.wavelengths, wavelengthUnits: layout.wavelengthUnits }
      : {}),
    dataset: layout.dataset,
    bandAxis: layout.bandAxis,
    bandAxisFrom: layout.bandAxisFrom,
    ...(layout.chunk ? { chunk: layout.chunk } : {}),
  };
}

/**
 * Reads a window (default the whole image) of the cube: only the rows and cols it covers are read
 * from the file (an HDF5 hyperslab), all bands, then the requested bands picked.
 */
export function readHdf5CubeWindow(
  f: H5File,
  layout: Hdf5CubeLayout,
  file: string,
  window: CubeWindow | undefined,
  opts: ReadOptions = {},
): Cube {
  const win = checkWindow(file, window, layout);
  const { row, col, rows, cols } = win;
  const bytes = rows * cols * layout.bands * BYTES_PER_SAMPLE[layout.sampleType];
  if (!(bytes <= MAX_DECODED_BYTES))
    throw new HsiFormatError(
      file,
      layout.dataset,
      `a window of ${rows} x ${cols} x ${layout.bands} is ${bytes} bytes, more than one read may hold (${MAX_DECODED_BYTES}): read it in windows`,
    );
  // The layout may come from a cache (src/node/hdf5-files.ts): the path is checked on every read.
  checkPathInFile(f, layout.dataset, file);
  const d = f.get(layout.dataset) as H5Dataset;
  checkNotVirtualElsewhere(d.metadata, layout.dataset, file);
  const spatial: [number, number][] = [
    [row, row + rows],
    [col, col + cols],
  ];
  const ranges: [number, number][] = [];
  for (let axis = 0, s = 0; axis < 3; axis++)
    ranges.push(axis === layout.bandAxis ? [0, layout.bands] : spatial[s++]);
  const data = toCubeArray(d.slice(ranges), layout.sampleType);
  const cube: Cube = {
    rows,
    cols,
    bands: layout.bands,
    interleave: layout.interleave,
    data,
    ...(layout.wavelengths
      ? { wavelengths: layout.wavelengths, wavelengthUnits: layout.wavelengthUnits }
      : {}),
    ...(layout.fwhm ? { fwhm: layout.fwhm } : {}),
    ...(layout.noDataValue !== undefined ? { noDataValue: layout.noDataValue } : {}),
    // CF packing without an offset is ENVI's scale factor (stored / factor = physical).
    ...(layout.cfScaleFactor && !layout.cfAddOffset
      ? { scaleFactor: 1 / layout.cfScaleFactor }
      : {}),
    metadata: {
      'hdf5 dataset': layout.dataset,
      ...(layout.cfScaleFactor !== undefined
        ? { 'cf scale_factor': String(layout.cfScaleFactor) }
        : {}),
      ...(layout.cfAddOffset !== undefined ? { 'cf add_offset': String(layout.cfAddOffset) } : {}),
    },
  };
  const allBands = win.bands.length === layout.bands && win.bands.every((b, i) => b === i);
  const out = allBands
    ? cube
    : cropCube(file, cube, { row: 0, col: 0, rows, cols, bands: win.bands });
  applyNonFinitePolicy(file, layout.dataset, out, opts.nonFinite ?? 'error');
  return out;
}
