// Model files for the tests, scripts and bench: the product's Node IO handler (from lkca-net, via
// @hsrkit/testing/node), plus an in-memory round trip.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel, saveModel } from '@hsrkit/testing/node';
import * as tf from '@tensorflow/tfjs';

/** Saves `model` into `dir` (model.json + weights); returns the bytes written. */
export async function saveModelToDir(model: tf.LayersModel, dir: string): Promise<number> {
  await saveModel(model, dir);
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  let bytes = (await stat(join(dir, 'model.json'))).size;
  for (const g of json.weightsManifest)
    for (const p of g.paths) bytes += (await stat(join(dir, p))).size;
  return bytes;
}

/** Loads any model.json with its weight shards. */
export function loadModelFromFile(modelJsonPath: string): Promise<tf.LayersModel> {
  return loadModel(modelJsonPath);
}

/** Saves to memory and loads back: the save/load round trip without touching the disk. */
export async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(saved!));
}
