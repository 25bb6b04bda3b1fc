// Temp files of outputs (Node only): created exclusively with random names beside their target,
// renamed into place when complete; those a killed run left behind are removed by the next run.
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { HsiOutputPathError } from '../errors.js';

export async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Before a rename into `target`: refuse when `target` became a symlink or a directory meanwhile
 * (rename would replace a link, but the user asked for a file there, not for the link to vanish).
 */
export async function checkFinalPath(target: string): Promise<void> {
  const st = await lstatOrUndefined(target);
  if (st?.isSymbolicLink())
    throw new HsiOutputPathError(target, 'symlink', 'is a symbolic link: refusing to replace it');
  if (st?.isDirectory())
    throw new HsiOutputPathError(target, 'directory', 'is an existing directory, not a file name');
}

/** `.name.<pid>-<random>.partial` in the folder of `target`: the temp files of `target`. */
const PARTIAL = /^\.(.+)\.(\d+)-[0-9a-f]{12}\.partial$/;
/** The name earlier releases used (`name.<pid>.partial`), also cleaned. */
const LEGACY_PARTIAL = /^(.+)\.(\d+)\.partial$/;

/** A fresh temp name beside `target` (same folder, so the final rename is atomic). */
export function partialPathFor(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}-${randomBytes(6).toString('hex')}.partial`,
  );
}

/**
 * Creates a temp file for `target` exclusively (`O_CREAT | O_EXCL`: fails rather than opening
 * a file or following a link someone placed there), mode 0600 until renamed.
 */
export async function openPartialFile(
  target: string,
): Promise<{ path: string; handle: fs.FileHandle }> {
  for (let attempt = 0; ; attempt++) {
    const p = partialPathFor(target);
    try {
      const handle = await fs.open(
        p,
        fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW,
        0o644,
      );
      return { path: p, handle };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 8) throw e;
    }
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files that runs killed before finishing (kill -9, power loss) left for
 * `target`: those whose process is gone. Links are unlinked, never followed. Returns the removed.
 */
export async function removeStalePartials(target: string): Promise<string[]> {
  const dir = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = PARTIAL.exec(name) ?? LEGACY_PARTIAL.exec(name);
    if (!m || m[1] !== base || processAlive(Number(m[2]))) continue;
    const p = path.join(dir, name);
    const st = await lstatOrUndefined(p);
    if (!st || !(st.isFile() || st.isSymbolicLink())) continue;
    await fs.rm(p, { force: true });
    removed.push(p);
  }
  return removed;
}
