// Node-only: an any-band model on disk is a normal TF.js model folder (the shared-weight core,
// written and read by @hsrkit/inference's saveModel/loadModel, with their checks on weight paths
// and sizes) plus any-band.json (grouping, normalisation, training record).
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkModelOutputDir, loadModel, saveModel } from '@hsrkit/inference/node';
import { AnyBandSR } from './any-band-model.js';
import { type AnyBandConfig, checkAnyBandConfig } from './config.js';
import { AnyBandConfigError } from './errors.js';

export const ANY_BAND_CONFIG_FILE = 'any-band.json';

// The output-folder check is @hsrkit/inference's (a model folder is a model folder); re-exported
// here, where the any-band API has always offered it.
export { checkModelOutputDir };

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
