// Node-only: an any-band model on disk is a normal TF.js model folder (model.json + weights.bin,
// the shared-weight core) plus any-band.json (grouping, normalisation, training record).
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@hsrkit/layers'; // registers the core's custom layers for deserialisation
import { AnyBandSR } from './any-band-model.js';
import { type AnyBandConfig, checkAnyBandConfig } from './config.js';
import { AnyBandConfigError } from './errors.js';

export const ANY_BAND_CONFIG_FILE = 'any-band.json';

/** Writes `model.json` + `weights.bin` of a LayersModel into `dir` (created if missing). */
export async function saveLayersModelFolder(model: tf.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const weights = a.weightData
        ? new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData))
        : new Uint8Array(0);
      await writeFile(join(dir, 'weights.bin'), weights);
      const json = {
        modelTopology: a.modelTopology,
        format: 'layers-model',
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
      };
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
}

/** Reads a folder `saveLayersModelFolder` wrote (one weights file). */
export async function loadLayersModelFolder(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const manifest = json.weightsManifest?.[0];
  if (!manifest || !Array.isArray(manifest.paths) || manifest.paths.length !== 1)
    throw new AnyBandConfigError(
      `${dir}/model.json`,
      'expected one weights file in weightsManifest',
    );
  const bytes = await readFile(join(dir, manifest.paths[0]));
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: manifest.weights,
      weightData,
    }),
  );
}

/** Saves the core and its any-band.json into `dir` (replacing what was there, atomically by rename). */
export async function saveAnyBandModel(
  model: AnyBandSR,
  dir: string,
  extra: Partial<Pick<AnyBandConfig, 'name' | 'training'>> = {},
): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await saveLayersModelFolder(model.core, tmp);
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
  return new AnyBandSR(await loadLayersModelFolder(dir), config);
}
