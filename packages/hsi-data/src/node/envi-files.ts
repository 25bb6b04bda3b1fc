// ENVI rasters by path (Node only): find the header / data pair on disk, then read through the
// byte readers of src/io/envi.ts; write through atomic renames.
import { stat } from 'node:fs/promises';
import type { Cube } from '../cube.js';
import { HsiFormatError } from '../errors.js';
import {
  type EnviReadOptions,
  type EnviSources,
  type EnviWriteOptions,
  encodeEnvi,
  enviInfoFrom,
  readEnviFrom,
  readEnviHeaderFrom,
  readEnviWindowFrom,
} from '../io/envi.js';
import type { EnviHeader } from '../io/envi-header.js';
import {
  enviDataFileCandidates,
  enviHeaderFileCandidates,
  enviWritePaths,
  isEnviHeaderName,
} from '../io/file-names.js';
import type { CubeInfo } from '../io/types.js';
import type { CubeWindow } from '../io/window.js';
import { writeFilesAtomic } from './atomic-write.js';
import { withFileSource } from './file-source.js';

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The header and data file of an ENVI raster from either name: `x.hdr` with data `x`, `x.img` (or other
 * extension), or `x.img.hdr` with data `x.img`; or from the data file, with header `x.hdr` / `x.img.hdr`.
 */
export async function locateEnviFiles(
  file: string,
): Promise<{ headerFile: string; dataFile: string }> {
  if (await isDirectory(file))
    throw new HsiFormatError(file, 'file', 'is a directory, not a cube file');
  if (isEnviHeaderName(file)) {
    if (!(await isFile(file)))
      throw new HsiFormatError(file, 'header', 'the header file does not exist');
    const candidates = enviDataFileCandidates(file);
    for (const c of candidates) if (await isFile(c)) return { headerFile: file, dataFile: c };
    throw new HsiFormatError(
      file,
      'data file',
      `no data file beside the header (looked for ${candidates.join(', ')})`,
    );
  }
  const candidates = enviHeaderFileCandidates(file);
  if (!(await isFile(file)))
    throw new HsiFormatError(file, 'data file', 'the data file does not exist');
  for (const c of candidates) if (await isFile(c)) return { headerFile: c, dataFile: file };
  throw new HsiFormatError(
    file,
    'header',
    `no ENVI header found (looked for ${candidates.join(', ')})`,
  );
}

/** The parsed header of an ENVI raster, with the names of both files. */
export async function readEnviHeader(
  file: string,
): Promise<{ header: EnviHeader; headerFile: string; dataFile: string }> {
  const { headerFile, dataFile } = await locateEnviFiles(file);
  const header = await withFileSource(headerFile, readEnviHeaderFrom);
  return { header, headerFile, dataFile };
}

/**
 * `read` taking the header's or the data file's path instead of the two byte sources: both files
 * are found (`locateEnviFiles`), opened for the call and closed after.
 */
function onEnviFiles<A extends unknown[], R>(
  read: (sources: EnviSources, ...args: A) => Promise<R>,
): (file: string, ...args: A) => Promise<R> {
  return async (file, ...args) => {
    const { headerFile, dataFile } = await locateEnviFiles(file);
    return withFileSource(headerFile, (header) =>
      withFileSource(dataFile, (data) => read({ header, data }, ...args)),
    );
  };
}

const enviInfoOfFiles = onEnviFiles(enviInfoFrom);

/** Shape, sample type, interleave, byte order and wavelengths of an ENVI raster, from its header only. */
export async function enviInfo(file: string): Promise<CubeInfo> {
  return { ...(await enviInfoOfFiles(file)), file };
}

/** Read a whole ENVI raster (given its header or data file name) in the file's interleave. */
export const readEnvi: (file: string, opts?: EnviReadOptions) => Promise<Cube> =
  onEnviFiles(readEnviFrom);

/**
 * Read a spatial window and/or band subset of an ENVI raster, reading only the byte ranges it needs
 * (memory: the window plus at most a 16 MiB read), in the file's interleave.
 */
export const readEnviWindow: (
  file: string,
  window: CubeWindow,
  opts?: EnviReadOptions,
) => Promise<Cube> = onEnviFiles(readEnviWindowFrom);

/**
 * Write a cube as ENVI: the data file and its header, both through temp files renamed only when both are
 * complete. `file` may name the header (`x.hdr` -> data `x.img`; `x.img.hdr` -> data `x.img`) or the data
 * file (`x.img` -> header `x.hdr`; `x` -> header `x.hdr`).
 */
export async function writeEnvi(
  file: string,
  cube: Cube,
  opts: EnviWriteOptions = {},
): Promise<{ headerFile: string; dataFile: string }> {
  const { header, data } = encodeEnvi(cube, opts);
  const paths = enviWritePaths(file);
  await writeFilesAtomic([
    { target: paths.dataFile, parts: data },
    { target: paths.headerFile, parts: header },
  ]);
  return paths;
}
