// Turns the files a user picked into one cube, read by @hsrkit/hsi-data's byte readers straight
// from the picked Files (a read slices the File, never loads what it does not need): ENVI needs
// the header and its data file chosen together.
import {
  type BipCube,
  blobSource,
  type CubeBytes,
  ENVI_DATA_EXTENSIONS,
  enviDataFileCandidates,
  extensionOf,
  isEnviHeaderName,
  readCubeFrom,
  sampleTypeOf,
  toBipCube,
} from '@hsrkit/hsi-data';
import { PlaygroundInputError } from './errors.js';

const ENVI_DATA: string[] = ['', ...ENVI_DATA_EXTENSIONS];
const SINGLE_FILE = ['.mat', '.tif', '.tiff', '.npy'];
/** What the file input offers (files without an extension are accepted too, as ENVI data). */
export const CUBE_ACCEPT = ['.hdr', ...ENVI_DATA.filter(Boolean), ...SINGLE_FILE].join(',');

const extOf = (name: string) => extensionOf(name).toLowerCase();

/** The picked file names that make one cube: an ENVI header and its data file, or one single-file cube. */
export type CubePick = { header: string; data: string } | { file: string };

/**
 * Which of `names` make the cube: an ENVI header whose data file is also there (the names
 * hsi-data looks for beside a header), or a single .mat / .tif / .npy. Anything else says what is
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
      `${unknown.join(', ')}: not a cube format (ENVI .hdr + data file, .mat, .tif/.tiff, .npy)`,
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
  interleave: string;
  cube: BipCube;
}

/** Reads the cube the picked files hold; samples become BIP float32, metadata is kept. */
export async function openCube(files: { name: string; blob: Blob }[]): Promise<OpenedCube> {
  const pick = pickCubeFile(files.map((f) => f.name));
  // Each source is named, so errors and the format come from the file's own name.
  const named = (name: string) =>
    blobSource(files.find((f) => f.name === name)?.blob as Blob, name);
  const input: CubeBytes =
    'header' in pick ? { header: named(pick.header), data: named(pick.data) } : named(pick.file);
  const name = 'header' in pick ? pick.header : pick.file;
  const cube = await readCubeFrom(input);
  return {
    name,
    format: 'header' in pick ? 'ENVI' : extOf(name).slice(1).toUpperCase(),
    sampleType: sampleTypeOf(cube.data),
    interleave: cube.interleave,
    cube: toBipCube(cube),
  };
}

/** The picked files of an <input type=file>, as openCube takes them. */
export function pickedFiles(list: FileList | File[]): { name: string; blob: Blob }[] {
  return Array.from(list, (f) => ({ name: f.name, blob: f }));
}
