// Turns the files a user picked into one cube, read by @hsrkit/hsi-data's byte readers straight
// from the picked Files (a read slices the File, never loads what it does not need): ENVI needs
// the header and its data file chosen together.
import {
  type BipCube,
  blobSource,
  bytesSource,
  type CubeBytes,
  cubeInfoFrom,
  ENVI_DATA_EXTENSIONS,
  enviDataFileCandidates,
  extensionOf,
  isEnviHeaderName,
  listHdf5CubesFrom,
  listMatVariablesFrom,
  readCubeFrom,
  toBipCube,
} from '@hsrkit/hsi-data';
import { type CubeMask, cubeMask, displayData } from './cube-mask.js';
import { PlaygroundInputError } from './errors.js';

const ENVI_DATA: string[] = ['', ...ENVI_DATA_EXTENSIONS];
const HDF5_FILE = ['.h5', '.hdf5', '.he5', '.nc', '.nc4'];
const SINGLE_FILE = ['.mat', '.tif', '.tiff', '.npy', ...HDF5_FILE];
/** What the file input offers (files without an extension are accepted too, as ENVI data). */
export const CUBE_ACCEPT = ['.hdr', ...ENVI_DATA.filter(Boolean), ...SINGLE_FILE].join(',');

const extOf = (name: string) => extensionOf(name).toLowerCase();

/** The picked file names that make one cube: an ENVI header and its data file, or one single-file cube. */
export type CubePick = { header: string; data: string } | { file: string };

/**
 * Which of `names` make the cube: an ENVI header whose data file is also there (the names
 * hsi-data looks for beside a header), or a single .mat / .tif / .npy / HDF5 / NetCDF-4 file. Anything else says what is
 * missing.
 */
export function pickCubeFile(names: string[]): CubePick {
  if (names.length === 0) throw new PlaygroundInputError('no file chosen');
  const headers = names.filter((n) => isEnviHeaderName(n));
  const singles = names.filter((n) => SINGLE_FILE.includes(extOf(n)));
  const unknown = names.filter(
    (n) => !isEnviHeaderName(n) && !SINGLE_FILE.includes(extOf(n)) && !ENVI_DATA.includes(extOf(n)),
  );
  if (unknown.length)
    throw new PlaygroundInputError(
      `${unknown.join(', ')}: not a cube format (ENVI .hdr + data file, .mat, .tif/.tiff, .npy, HDF5 / NetCDF-4 .h5/.he5/.nc)`,
    );
  if (headers.length + singles.length > 1)
    throw new PlaygroundInputError(
      `choose one cube at a time (got ${[...headers, ...singles].join(', ')})`,
    );
  if (headers.length === 1) {
    const header = headers[0];
    const data = enviDataFileCandidates(header).find((c) => c !== header && names.includes(c));
    if (!data) {
      const stem = header.slice(0, -4);
      throw new PlaygroundInputError(
        `${header} is an ENVI header without its data file: choose both together (e.g. ${header} and ${stem}${extOf(stem) ? '' : '.img'})`,
      );
    }
    return { header, data };
  }
  if (singles.length === 1) return { file: singles[0] };
  throw new PlaygroundInputError(
    `${names.join(', ')}: ENVI data without its header: choose the .hdr file too`,
  );
}

export interface OpenedCube {
  name: string;
  /** Format and sample type as stored in the file. */
  format: string;
  sampleType: string;
  /** Sample order in the file (a band-interleaved GeoTIFF is BSQ; MAT is read as BSQ). */
  interleave: string;
  cube: BipCube;
  /** Bad bands and no-data samples (src/cube-mask.ts). */
  mask: CubeMask;
  /** The samples with every bad band and no-data sample as NaN, for pictures and plots. */
  view: Float32Array;
  /** MAT: the variable read; HDF5: the dataset read. And every 3-D numeric variable / dataset the
   * file holds (to choose another). */
  variable?: string;
  variables?: { name: string; dims: number[] }[];
  /** The picked files, to read another MAT variable from. */
  files: { name: string; blob: Blob }[];
}

/**
 * Reads the cube the picked files hold; samples become BIP float32, metadata is kept. `variable`
 * picks the MAT variable (default: the largest 3-D numeric one, as hsi-data reads) or the HDF5
 * dataset (default: the only one, else the largest, the others offered to choose from).
 */
export async function openCube(
  files: { name: string; blob: Blob }[],
  opts: { variable?: string } = {},
): Promise<OpenedCube> {
  const pick = pickCubeFile(files.map((f) => f.name));
  const name = 'header' in pick ? pick.header : pick.file;
  const ext = extOf(name);
  const format =
    'header' in pick ? 'ENVI' : HDF5_FILE.includes(ext) ? 'HDF5' : ext.slice(1).toUpperCase();
  const blobOf = (n: string) => files.find((f) => f.name === n)?.blob as Blob;
  // HDF5 and MAT readers take the whole file for every call (listing, info, read): read it once.
  // ENVI, GeoTIFF and NPY read only the byte ranges they need, straight from the File.
  const whole =
    format === 'HDF5' || format === 'MAT'
      ? new Uint8Array(await blobOf(name).arrayBuffer())
      : undefined;
  // Each source is named, so errors and the format come from the file's own name.
  const named = (n: string) => (whole ? bytesSource(whole, n) : blobSource(blobOf(n), n));
  const input: CubeBytes =
    'header' in pick ? { header: named(pick.header), data: named(pick.data) } : named(pick.file);
  let variables: OpenedCube['variables'];
  let dataset: string | undefined;
  if (format === 'HDF5') {
    const listed = await listHdf5CubesFrom(named(name));
    variables = listed.map((c) => ({ name: c.path, dims: c.shape }));
    if (opts.variable && !listed.some((c) => c.path === opts.variable))
      throw new PlaygroundInputError(
        `${name} has no 3-D dataset ${opts.variable} (it has ${listed.map((c) => c.path).join(', ') || 'none'})`,
      );
    // Several cubes (PRISMA's VNIR and SWIR): the largest first, the others in the chooser.
    const size = (d: number[]) => d.reduce((a, b) => a * b, 1);
    dataset =
      opts.variable ??
      (listed.length > 1
        ? [...listed].sort((a, b) => size(b.shape) - size(a.shape))[0].path
        : undefined);
  }
  if (format === 'MAT') {
    const listed = await listMatVariablesFrom(named(name));
    variables = listed
      .filter((v) => v.numeric && v.dims.length === 3)
      .map((v) => ({ name: v.name, dims: v.dims }));
    if (opts.variable && !listed.some((v) => v.name === opts.variable))
      throw new PlaygroundInputError(
        `${name} has no variable ${opts.variable} (it has ${listed.map((v) => v.name).join(', ')})`,
      );
  }
  const readOpts =
    format === 'HDF5'
      ? dataset
        ? { dataset }
        : {}
      : opts.variable
        ? { variable: opts.variable }
        : {};
  const info = await cubeInfoFrom(input, readOpts);
  const cube = toBipCube(await readCubeFrom(input, readOpts));
  const mask = cubeMask(cube);
  return {
    name,
    format,
    sampleType: info.sampleType,
    interleave: info.interleave,
    cube,
    mask,
    view: displayData(cube, mask),
    variable: info.variable ?? info.dataset,
    variables,
    files,
  };
}
/** The picked files of an <input type=file>, as openCube takes them. */
export function pickedFiles(list: FileList | File[]): { name: string; blob: Blob }[] {
  return Array.from(list, (f) => ({ name: f.name, blob: f }));
}
