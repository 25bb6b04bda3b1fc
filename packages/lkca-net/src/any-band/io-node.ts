// Node-only: an any-band model on disk is a normal TF.js model folder (the shared-weight core,
// written and read by @hsrkit/inference's saveModel/loadModel, with their checks on weight paths
// and sizes) plus any-band.json (grouping, normalisation, training record).
import { lstat, readdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadModel, saveModel } from '@hsrkit/inference/node';
import { AnyBandSR } from './any-band-model.js';
import { type AnyBandConfig, checkAnyBandConfig } from './config.js';
import { AnyBandConfigError } from './errors.js';

export const ANY_BAND_CONFIG_FILE = 'any-band.json';

/**
 * Refuses, before any work, a model output folder that would destroy something: a symbolic link,
 * a file, a folder that holds anything but a saved model, or one of `inputs` (a model folder the
 * run reads, e.g. the one it fine-tunes). A missing folder, an empty one or an earlier model
 * folder is fine (the model replaces it).
 */
export async function checkModelOutputDir(dir: string, inputs: string[] = []): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st) return;
  if (st.isSymbolicLink())
    throw new AnyBandConfigError(dir, 'is a symbolic link: refusing to write through it');
  if (!st.isDirectory()) throw new AnyBandConfigError(dir, 'exists and is not a folder');
  const real = await realpath(dir);
  for (const i of inputs) {
    const ri = await realpath(resolve(i)).catch(() => resolve(i));
    if (ri === real || ri.startsWith(`${real}/`))
      throw new AnyBandConfigError(dir, `holds the input ${i}: choose another output folder`);
  }
  const entries = await readdir(dir);
  if (entries.length > 0 && !entries.includes('model.json'))
    throw new AnyBandConfigError(
      dir,
      `is a folder with other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}), not a saved model: refusing to replace it`,
    );
}

/** Saves the core and its any-band.json into `dir` (replacing an earlier model there, atomically by
 * rename; anything else there is refused by checkModelOutputDir). */
export async function saveAnyBandModel(
  model: AnyBandSR,
  dir: string,
  extra: Partial<Pick<AnyBandConfig, 'name' | 'training'>> = {},
): Promise<void> {
  await checkModelOutputDir(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await saveModel(model.core, tmp);
  const config: AnyBandConfig = { ...model.config, ...extra };
  await writeFile(join(tmp, ANY_BAND_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

/** The checked any-band.json of a model folder, without loading its weights. */
export async function readAnyBandConfig(dir: string): Promise<AnyBandConfig> {
  const file = join(dir, ANY_BAND_CONFIG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new AnyBandConfigError(file, `cannot read: ${(e as Error).message}`);
  }
  return checkAnyBandConfig(raw, file);
}

/** Loads a model folder saved by `saveAnyBandModel`. */
export async function loadAnyBandModel(dir: string): Promise<AnyBandSR> {
  const config = await readAnyBandConfig(dir);
  return new AnyBandSR(await loadModel(dir), config);
}
