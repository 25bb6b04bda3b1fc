// Minimal Node file IO for LayersModels (tests, scripts, bench): model.json + one weights.bin.
// tf.io's file:// handler lives in tfjs-node only; @hsrkit/lkca-net ships the product version.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Saves `model` as `<dir>/model.json` and `<dir>/weights.bin`; returns the bytes written. */
export async function saveModelToDir(model: tf.LayersModel, dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(
        artifacts.weightData instanceof ArrayBuffer
          ? artifacts.weightData
          : tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer[]),
      );
      const json = JSON.stringify({
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      });
      await writeAtomic(join(dir, 'weights.bin'), weights);
      await writeAtomic(join(dir, 'model.json'), json);
      bytes = weights.byteLength + Buffer.byteLength(json);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return bytes;
}

/** Loads a model saved by saveModelToDir (or any model.json with weight shards beside it). */
export async function loadModelFromFile(modelJsonPath: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest as tf.io.WeightsManifestConfig) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(await readFile(join(dirname(modelJsonPath), p)));
  }
  const all = new Uint8Array(buffers.reduce((a, b) => a + b.byteLength, 0));
  let off = 0;
  for (const b of buffers) {
    all.set(b, off);
    off += b.byteLength;
  }
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData: all.buffer,
    }),
  );
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
