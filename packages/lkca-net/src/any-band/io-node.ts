// Node-only: an any-band model on disk is a normal TF.js model folder (the shared-weight core,
// written and read by @hsrkit/inference's saveModel/loadModel, with their checks on weight paths
// and sizes) plus any-band.json (grouping, normalisation, training record).
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel, saveModel } from '@hsrkit/inference/node';
import { AnyBandSR } from './any-band-model.js';
import { type AnyBandConfig, checkAnyBandConfig } from './config.js';
import { AnyBandConfigError } from './errors.js';

export const ANY_BAND_CONFIG_FILE = 'any-band.json';

/** Saves the core and its any-band.json into `dir` (replacing what was there, atomically by rename). */
export async function saveAnyBandModel(
  model: AnyBandSR,
  dir: string,
  extra: Partial<Pick<AnyBandConfig, 'name' | 'training'>> = {},
): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await saveModel(model.core, tmp);
  const config: AnyBandConfig = { ...model.config, ...extra };
  await writeFile(join(tmp, ANY_BAND_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

/** Loads a model folder saved by `saveAnyBandModel`. */
export async function loadAnyBandModel(dir: string): Promise<AnyBandSR> {
  const file = join(dir, ANY_BAND_CONFIG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new AnyBandConfigError(file, `cannot read: ${(e as Error).message}`);
  }
  const config = checkAnyBandConfig(raw, file);
  return new AnyBandSR(await loadModel(dir), config);
}
