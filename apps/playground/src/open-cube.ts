// Turns the files a user picked into one cube, read by @hsrkit/hsi-data's own readers (through the
// in-memory node:fs stand-in): ENVI needs the header and its data file chosen together.
import { type Cube, readCube, sampleTypeOf } from '@hsrkit/hsi-data';
import { type BipCube, toBipCube } from './bip-cube.js';
import { PlaygroundInputError } from './errors.js';
import { mountFiles, unmountFolderOf } from './vfs/files.js';

const ENVI_DATA = ['', '.img', '.dat', '.raw', '.bsq', '.bil', '.bip'];
const SINGLE_FILE = ['.mat', '.tif', '.tiff', '.npy'];
/** What the file input offers (files without an extension are accepted too, as ENVI data). */
export const CUBE_ACCEPT = ['.hdr', ...ENVI_DATA.filter(Boolean), ...SINGLE_FILE].join(',');

const extOf = (name: string) => {
  const i = name.lastIndexOf('.');
  return i <= 0 ? '' : name.slice(i).toLowerCase();
};
const stemOf = (name: string) => name.slice(0, name.length - extOf(name).length);

/**
 * The one file among `names` to hand to `readCube`: an ENVI header whose data file is also
 * there, or a single .mat / .tif / .npy. Anything else says what is missing.
 */
export function pickCubeFile(names: string[]): string {
  if (names.length === 0) throw new PlaygroundInputError('no file chosen');
  const headers = names.filter((n) => extOf(n) === '.hdr');
  const singles = names.filter((n) => SINGLE_FILE.includes(extOf(n)));
  const unknown = names.filter(
    (n) => extOf(n) !== '.hdr' && !SINGLE_FILE.includes(extOf(n)) && !ENVI_DATA.includes(extOf(n)),
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
    const stem = stemOf(header);
    const data = names.find(
      (n) => n !== header && (n === stem || (stemOf(n) === stem && ENVI_DATA.includes(extOf(n)))),
    );
    if (!data)
      throw new PlaygroundInputError(
        `${header} is an ENVI header without its data file: choose both together (e.g. ${header} and ${stem}${extOf(stem) ? '' : '.img'})`,
      );
    return header;
  }
  if (singles.length === 1) return singles[0];
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
  const name = pickCubeFile(files.map((f) => f.name));
  const paths = mountFiles(files);
  const path = paths[files.findIndex((f) => f.name === name)];
  try {
    const cube: Cube = await readCube(path);
    return {
      name,
      format: extOf(name) === '.hdr' ? 'ENVI' : extOf(name).slice(1).toUpperCase(),
      sampleType: sampleTypeOf(cube.data),
      interleave: cube.interleave,
      cube: toBipCube(cube),
    };
  } finally {
    unmountFolderOf(path);
  }
}

/** The picked files of an <input type=file>, as openCube takes them. */
export function pickedFiles(list: FileList | File[]): { name: string; blob: Blob }[] {
  return Array.from(list, (f) => ({ name: f.name, blob: f }));
}
