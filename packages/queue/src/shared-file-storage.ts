import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { cubeFormatOf, locateEnviFiles } from '@hsrkit/hsi-data/node';
import { type OutputRecord, outputRecordPath, type StoredFile } from './output-record.js';
import { QueueInputError } from './queue-errors.js';
import type { SceneStorage } from './scene-storage.js';

/** The hidden folder beside the outputs where attempts write before publishing. Being on the same
 * file system as the outputs is what makes the final rename atomic. */
export const STAGING_DIR = '.lkca-staging';

async function statFile(path: string, what: string): Promise<StoredFile> {
  try {
    const st = await fs.stat(path);
    if (!st.isFile()) throw new QueueInputError(`${path}: ${what} is not a file`);
    return { path, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) };
  } catch (e) {
    if (e instanceof QueueInputError) throw e;
    throw new QueueInputError(
      `${path}: ${what} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

function stagingRoot(output: string): string {
  return join(dirname(output), STAGING_DIR);
}

/** Storage on a file system every worker mounts at the same paths. */
export function sharedFileStorage(): SceneStorage {
  return {
    async describeInput(input) {
      let format: string;
      try {
        format = cubeFormatOf(input);
      } catch (e) {
        throw new QueueInputError((e as Error).message);
      }
      if (format !== 'envi') return [await statFile(input, 'input')];
      const { headerFile, dataFile } = await locateEnviFiles(input);
      return [
        await statFile(headerFile, 'ENVI header'),
        await statFile(dataFile, 'ENVI data file'),
      ];
    },
    async localInput(input) {
      return { path: input, release: async () => {} };
    },
    async stage(output, attempt) {
      const dir = join(stagingRoot(output), `${basename(output)}.${attempt}`);
      await fs.mkdir(dir, { recursive: true });
      return dir;
    },
    async cleanStale(output, keep) {
      const root = stagingRoot(output);
      const prefix = `${basename(output)}.`;
      let names: string[] = [];
      try {
        names = await fs.readdir(root);
      } catch {
        return;
      }
      for (const name of names)
        if (name.startsWith(prefix) && join(root, name) !== keep)
          await fs.rm(join(root, name), { recursive: true, force: true });
      // Also temp files of an interrupted record write.
      const rec = outputRecordPath(output);
      for (const name of await fs.readdir(dirname(output)).catch(() => [] as string[]))
        if (name.startsWith(`${basename(rec)}.`) && name.endsWith('.tmp'))
          await fs.rm(join(dirname(output), name), { force: true });
    },
    async publish(staging, moves) {
      const out: StoredFile[] = [];
      for (const { from, to } of moves) {
        await fs.rename(from, to);
        out.push({ path: to, size: (await fs.stat(to)).size });
      }
      await this.discard(staging);
      return out;
    },
    async discard(staging) {
      await fs.rm(staging, { recursive: true, force: true });
      // The shared staging root goes when empty; another attempt may still be using it.
      await fs.rmdir(dirname(staging)).catch(() => {});
    },
    async describeOutputs(paths) {
      const files: StoredFile[] = [];
      for (const path of paths) {
        const st = await fs.stat(path).catch(() => undefined);
        if (!st?.isFile()) return undefined;
        files.push({ path, size: st.size });
      }
      return files;
    },
    async readRecord(output) {
      try {
        return JSON.parse(await fs.readFile(outputRecordPath(output), 'utf8')) as OutputRecord;
      } catch {
        return undefined;
      }
    },
    async writeRecord(output, record) {
      const path = outputRecordPath(output);
      const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
      await fs.writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
      await fs.rename(tmp, path);
    },
    async removeRecord(output) {
      await fs.rm(outputRecordPath(output), { force: true });
    },
  };
}
