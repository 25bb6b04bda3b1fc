import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { maxAbsDiff, seededValues, useBackend, useTempDir } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { espcn } from '../test/espcn.js';
import { loadModel, ModelFileError, modelFileBytes, saveModel } from './model-files.js';
import { readModelMetadata, withModelMetadata } from './model-metadata.js';

describe('model files', () => {
  const tempDir = useTempDir('hsrkit-model-files-');
  let dir: string;
  beforeAll(async () => {
    await useBackend('cpu');
    dir = tempDir();
  });

  it('saves atomically and loads back (custom layers, metadata) with identical outputs', async () => {
    const path = join(dir, 'espcn');
    const older = espcn(4, 3, 8, 1);
    await saveModel(older, path);
    const first = (await readdir(path)).filter((f) => f.endsWith('.bin'));
    older.dispose();
    // Overwritten by another model: its shard goes once the new model.json is in place.
    const model = espcn(4, 3, 8, 2);
    withModelMetadata(model, { scale: 3, bands: 4 });
    await saveModel(model, path);
    const files = (await readdir(path)).sort();
    expect(files).toHaveLength(2);
    expect(files).not.toContain(first[0]);
    const loaded = await loadModel(path);
    expect(readModelMetadata(loaded)).toEqual({ scale: 3, bands: 4 });
    const x = tf.tensor4d(seededValues(1 * 5 * 6 * 4, 2), [1, 5, 6, 4]);
    const y0 = model.predict(x) as tf.Tensor;
    const y1 = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(await y1.data(), await y0.data())).toBe(0);
    expect(await modelFileBytes(path)).toBe(
      (await stat(join(path, files[0]))).size + (await stat(join(path, files[1]))).size,
    );
    tf.dispose([x, y0, y1]);
    model.dispose();
    loaded.dispose();
  });

  it('refuses folders that are not a LayersModel, naming the file and what is wrong', async () => {
    const nothing = join(dir, 'empty');
    await mkdir(nothing);
    await expect(loadModel(nothing)).rejects.toThrow(ModelFileError);
    await expect(loadModel(nothing)).rejects.toThrow(/empty\/model\.json: no such model\.json/);
    const model = espcn(2, 2, 4);
    const path = join(dir, 'broken');
    await saveModel(model, path);
    model.dispose();
    const jsonPath = join(path, 'model.json');
    const json = JSON.parse(await readFile(jsonPath, 'utf8'));
    const withShards = (paths: string[]) =>
      writeFile(
        jsonPath,
        JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths }] }),
      );
    // A shard path that leaves the folder is refused before anything is read.
    await withShards(['../x.bin']);
    await expect(loadModel(path)).rejects.toThrow(
      /weight path '\.\.\/x\.bin' leaves the model's folder/,
    );
    await withShards(['gone.bin']);
    await expect(loadModel(path)).rejects.toThrow(
      /gone\.bin: weight shard listed in model\.json is missing/,
    );
    await writeFile(jsonPath, JSON.stringify({ ...json, modelTopology: undefined }));
    await expect(loadModel(path)).rejects.toThrow(/'modelTopology' is missing/);
    await writeFile(jsonPath, '{ not json');
    await expect(loadModel(path)).rejects.toThrow(/model\.json: not valid JSON/);
  });
});
