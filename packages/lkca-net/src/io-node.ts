import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** A model folder or model.json that cannot be read as a TF.js LayersModel. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** `dir/model.json` for a folder, the path itself for a .json file. */
export function modelJsonPath(pathOrDir: string): string {
  return pathOrDir.endsWith('.json') ? pathOrDir : join(pathOrDir, 'model.json');
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, path);
}

function concatBuffers(parts: ArrayBuffer[]): ArrayBuffer {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out.buffer;
}

/**
 * A `tf.io.IOHandler` over the local file system (tfjs-node's `file://` without tfjs-node).
 * save: the weights go to `weights.<hash>.bin`, then `model.json` is renamed into place, so a crash
 * or Ctrl-C leaves either the old model or the new one, never a mix. load: any TF.js LayersModel
 * folder, with any number of weight shards.
 */
export function nodeFileIO(pathOrDir: string): tf.io.IOHandler {
  const jsonPath = modelJsonPath(pathOrDir);
  const dir = dirname(jsonPath);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      await fs.mkdir(dir, { recursive: true });
      const weights = artifacts.weightData
        ? new Uint8Array(
            Array.isArray(artifacts.weightData)
              ? concatBuffers(artifacts.weightData)
              : artifacts.weightData,
          )
        : new Uint8Array(0);
      const hash = createHash('sha256').update(weights).digest('hex').slice(0, 12);
      const weightsName = `weights.${hash}.bin`;
      const previous = await readJsonIfExists(jsonPath);
      await writeAtomic(join(dir, weightsName), weights);
      const json = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata
          ? { userDefinedMetadata: artifacts.userDefinedMetadata }
          : {}),
      };
      await writeAtomic(jsonPath, JSON.stringify(json));
      // Old shards are removed only once the new model.json is in place.
      for (const group of (previous?.weightsManifest ?? []) as tf.io.WeightsManifestConfig)
        for (const p of group.paths)
          if (p !== weightsName && basename(p) === p) await fs.rm(join(dir, p), { force: true });
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology ?? {}).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = await readJsonIfExists(jsonPath);
      if (!json)
        throw new ModelFileError(
          jsonPath,
          'no such model.json (pass a model folder or its model.json)',
        );
      if (!json.modelTopology)
        throw new ModelFileError(
          jsonPath,
          "field 'modelTopology' is missing: not a TF.js LayersModel",
        );
      const manifest = (json.weightsManifest ?? []) as tf.io.WeightsManifestConfig;
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of manifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const file = join(dir, p);
          let buf: Buffer;
          try {
            buf = await fs.readFile(file);
          } catch {
            throw new ModelFileError(
              file,
              `weight shard listed in ${basename(jsonPath)} is missing`,
            );
          }
          buffers.push(
            buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
          );
        }
      }
      const weightData = concatBuffers(buffers);
      const expected = specs.reduce(
        (n, s) => n + tf.util.sizeFromShape(s.shape) * bytesPerElement(s),
        0,
      );
      if (expected !== weightData.byteLength)
        throw new ModelFileError(
          jsonPath,
          `weights manifest describes ${expected} bytes but the shards hold ${weightData.byteLength}`,
        );
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        trainingConfig: json.trainingConfig,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: specs,
        weightData,
      };
    },
  };
}

function bytesPerElement(spec: tf.io.WeightsManifestEntry): number {
  if (spec.quantization) return spec.quantization.dtype === 'uint8' ? 1 : 2;
  return spec.dtype === 'bool' ? 1 : 4;
}

async function readJsonIfExists(path: string): Promise<any | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(path, `not valid JSON (${(e as Error).message})`);
  }
}

/** Saves a LayersModel to a folder atomically, with optional user metadata (e.g. normalisation). */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  metadata?: Record<string, unknown>,
): Promise<void> {
  if (metadata) model.setUserDefinedMetadata(metadata as Record<string, unknown> as never);
  await model.save(nodeFileIO(dir));
}

/** Loads any TF.js LayersModel from a folder or model.json (our layers are registered on import). */
export async function loadModel(pathOrDir: string): Promise<tf.LayersModel> {
  await import('@hsrkit/layers');
  try {
    return await tf.loadLayersModel(nodeFileIO(pathOrDir));
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(
      modelJsonPath(pathOrDir),
      `could not be built as a LayersModel: ${(e as Error).message}`,
    );
  }
}
