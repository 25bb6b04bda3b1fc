// Atomic writes (Node only): every file goes to a temp file beside its target and is renamed into
// place only when complete, so a crash never leaves a half-written cube or picture.
import { promises as fs } from 'node:fs';
import type { Cube } from '../cube.js';
import type { EncodedFile } from '../io/cube-io.js';
import { checkFinalPath, openPartialFile, removeStalePartials } from './partial-files.js';

/**
 * Write all `parts` to `target` through a temp file and a rename, so that `target` is either the old
 * file or the complete new one, never half-written.
 */
export async function writeFileAtomic(
  target: string,
  parts: Uint8Array | Uint8Array[],
): Promise<void> {
  await writeFilesAtomic([{ target, parts }]);
}

/**
 * Write several files so that none of them is seen half-written: all go to temp files first, and are
 * renamed into place only once every one was written completely.
 */
export async function writeFilesAtomic(
  files: { target: string; parts: Uint8Array | Uint8Array[] }[],
): Promise<void> {
  const staged: { tmp: string; target: string }[] = [];
  try {
    for (const f of files) {
      // A directory or a symlink at the target is refused before anything is written; temp files
      // of the same target left by a killed run go; the new one is created exclusively.
      await checkFinalPath(f.target);
      await removeStalePartials(f.target);
      const { path: tmp, handle } = await openPartialFile(f.target);
      staged.push({ tmp, target: f.target });
      try {
        for (const chunk of Array.isArray(f.parts) ? f.parts : [f.parts]) {
          let done = 0;
          while (done < chunk.length) {
            const { bytesWritten } = await handle.write(chunk, done, chunk.length - done);
            done += bytesWritten;
          }
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (const s of staged) await checkFinalPath(s.target);
    for (const s of staged) await fs.rename(s.tmp, s.target);
  } catch (err) {
    await Promise.all(staged.map((s) => fs.rm(s.tmp, { force: true })));
    throw err;
  }
}

/** Writes the files an encoder produced (`encodeCube`), atomically as a set; returns their names. */
export async function writeEncodedFiles(files: EncodedFile[]): Promise<string[]> {
  await writeFilesAtomic(files.map((f) => ({ target: f.name, parts: f.parts })));
  return files.map((f) => f.name);
}

/** `encode` turned into a writer of one file by path, through a temp file and a rename. */
export function atomicFileWriter<O>(
  encode: (cube: Cube, opts?: O) => Uint8Array[],
): (file: string, cube: Cube, opts?: O) => Promise<void> {
  return (file, cube, opts) => writeFileAtomic(file, encode(cube, opts));
}
