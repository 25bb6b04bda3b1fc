// Node-only: the checks before a model folder is written (lkca train, lkca compress, the any-band
// trainer's checkpoints), so that saving a model never destroys something the user has.
import { lstat, readdir, realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { ModelFileError } from './model-files.js';

/**
 * Refuses, before any work, a model output folder that would destroy something: a symbolic link,
 * a file, a folder that holds anything but a saved model, or a folder that is (or holds) one of
 * `inputs` (a model folder the run reads, e.g. the one it fine-tunes or compresses, or its data).
 * A missing folder, an empty one or an earlier model folder is fine (the model replaces it).
 * Throws ModelFileError naming the folder.
 */
export async function checkModelOutputDir(dir: string, inputs: string[] = []): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st) return;
  if (st.isSymbolicLink())
    throw new ModelFileError(dir, 'is a symbolic link: refusing to write through it');
  if (!st.isDirectory()) throw new ModelFileError(dir, 'exists and is not a folder');
  const real = await realpath(dir);
  for (const i of inputs) {
    const ri = await realpath(resolve(i)).catch(() => resolve(i));
    if (ri === real || ri.startsWith(`${real}${sep}`))
      throw new ModelFileError(dir, `holds the input ${i}: choose another output folder`);
  }
  const entries = await readdir(dir);
  if (entries.length > 0 && !entries.includes('model.json'))
    throw new ModelFileError(
      dir,
      `is a folder with other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}), not a saved model: refusing to replace it`,
    );
}
