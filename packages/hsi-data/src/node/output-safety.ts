// Output safety (Node only): before a command writes, its output files are checked against its
// inputs (by real path and by device + inode, so links count), against directories and symlinks.
// The temp files themselves are in partial-files.ts. See docs/ARCHITECTURE.md, "Data flow".
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { HsiOutputPathError } from '../errors.js';
import { cubeFormatOf } from '../io/cube-io.js';
import { enviWritePaths } from '../io/file-names.js';
import { locateEnviFiles } from './envi-files.js';
import { lstatOrUndefined } from './partial-files.js';

/** The files a cube path stands for when read: an ENVI raster is its header and its data file. */
export async function cubeInputFiles(file: string): Promise<string[]> {
  let envi = false;
  try {
    envi = cubeFormatOf(file) === 'envi';
  } catch {}
  if (!envi) return [file];
  try {
    const { headerFile, dataFile } = await locateEnviFiles(file);
    return [headerFile, dataFile];
  } catch {
    return [file];
  }
}

/** The files a cube path stands for when written: an ENVI raster is its header and its data file. */
export function cubeOutputFiles(file: string): string[] {
  let envi = false;
  try {
    envi = cubeFormatOf(file) === 'envi';
  } catch {}
  if (!envi) return [file];
  const { headerFile, dataFile } = enviWritePaths(file);
  return [headerFile, dataFile];
}

/** The real path of a file that may not exist yet: its folder's real path plus its name. */
async function realPathOf(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch {
    try {
      return path.join(await fs.realpath(path.dirname(p)), path.basename(p));
    } catch {
      return path.resolve(p);
    }
  }
}

/**
 * Refuse, before any work, an output that would destroy data or write through a link: an output
 * file that is one of the input files (same real path, or same device + inode: a hard link), an
 * existing directory, a symbolic link or anything but a regular file. `output` and `inputs` are
 * cube paths (an ENVI raster counts as its header and data file); `extraOutputs` are other files
 * the writer will create. Throws `HsiOutputPathError` naming the output (and the input).
 */
export async function checkOutputPaths(
  output: string,
  inputs: string[],
  extraOutputs: string[] = [],
): Promise<void> {
  const outFiles = [...cubeOutputFiles(output), ...extraOutputs];
  const inFiles = (await Promise.all(inputs.map(cubeInputFiles))).flat();
  const inIds = await Promise.all(
    inFiles.map(async (f) => {
      const st = await fs.stat(f).catch(() => undefined);
      return { file: f, real: await realPathOf(f), dev: st?.dev, ino: st?.ino };
    }),
  );
  for (const out of outFiles) {
    const st = await lstatOrUndefined(out);
    if (st?.isSymbolicLink())
      throw new HsiOutputPathError(
        out,
        'symlink',
        'is a symbolic link: refusing to write through it (remove it or choose another name)',
      );
    if (st?.isDirectory())
      throw new HsiOutputPathError(out, 'directory', 'is an existing directory, not a file name');
    if (st && !st.isFile())
      throw new HsiOutputPathError(out, 'not-a-file', 'exists and is not a regular file');
    const real = await realPathOf(out);
    for (const i of inIds) {
      if (real === i.real || (st && i.dev === st.dev && i.ino === st.ino))
        throw new HsiOutputPathError(
          out,
          'is-input',
          `is the input ${i.file}: refusing to overwrite an input (choose another output name)`,
          i.file,
        );
    }
  }
}
