import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A temp name beside `target` (same directory, so the rename is atomic on one file system). */
export function tempPathFor(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
  );
}

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
      const tmp = tempPathFor(f.target);
      staged.push({ tmp, target: f.target });
      const handle = await fs.open(tmp, 'w');
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
    for (const s of staged) await fs.rename(s.tmp, s.target);
  } catch (err) {
    await Promise.all(staged.map((s) => fs.rm(s.tmp, { force: true })));
    throw err;
  }
}
