import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
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
      if (!Array.isArray(manifest))
        throw new ModelFileError(jsonPath, "field 'weightsManifest' is not a list");
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      const realDir = await fs.realpath(dir);
      for (const group of manifest) {
        specs.push(...group.weights);
        // Every shard is checked (inside the folder, a regular file) and the group's byte count
        // compared with what its weights need before a byte is read: a manifest pointing at
        // /dev/zero, a FIFO or a file outside the folder fails here, naming it.
        const files = await Promise.all(group.paths.map((p) => checkedShard(jsonPath, realDir, p)));
        const expected = group.weights.reduce(
          (n, s) => n + tf.util.sizeFromShape(s.shape) * bytesPerElement(s),
          0,
        );
        const actual = files.reduce((n, f) => n + f.size, 0);
        if (expected !== actual)
          throw new ModelFileError(
            files[0]?.file ?? jsonPath,
            `weights manifest group [${group.paths.join(', ')}] of ${basename(jsonPath)} describes ${expected} bytes but its shards hold ${actual}`,
          );
        for (const f of files) buffers.push(await readShard(f.file, f.size));
      }
      const weightData = concatBuffers(buffers);
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

/** A weight shard named in model.json, which must lie inside the model's folder. */
function shardPath(jsonPath: string, shard: string): string {
  const dir = dirname(jsonPath);
  const file = resolve(dir, shard);
  const rel = relative(resolve(dir), file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new ModelFileError(jsonPath, `weight path '${shard}' leaves the model's folder`);
  return file;
}

/**
 * A shard named in model.json, resolved through links, which must still lie inside the model's
 * folder and be a regular file (not a FIFO, a device such as /dev/zero, or a directory).
 */
async function checkedShard(
  jsonPath: string,
  realDir: string,
  shard: string,
): Promise<{ file: string; size: number }> {
  if (typeof shard !== 'string')
    throw new ModelFileError(jsonPath, `weight path ${JSON.stringify(shard)} is not a string`);
  const file = shardPath(jsonPath, shard);
  let real: string;
  try {
    real = await fs.realpath(file);
  } catch {
    throw new ModelFileError(file, `weight shard listed in ${basename(jsonPath)} is missing`);
  }
  const rel = relative(realDir, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new ModelFileError(
      file,
      `weight path '${shard}' resolves to ${real}, outside the model's folder ${realDir}`,
    );
  const st = await fs.stat(real);
  if (!st.isFile()) throw new ModelFileError(file, `weight path '${shard}' is not a regular file`);
  return { file: real, size: st.size };
}

/** Reads exactly `size` bytes of a checked shard; the file must not have changed in between. */
async function readShard(file: string, size: number): Promise<ArrayBuffer> {
  const handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size !== size)
      throw new ModelFileError(file, 'the weight shard changed while it was being read');
    const out = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await handle.read(out, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done !== size) throw new ModelFileError(file, 'the weight shard shrank while being read');
    return out.buffer;
  } finally {
    await handle.close();
  }
}

function bytesPerElement(spec: tf.io.WeightsManifestEntry): number {
  if (spec.quantization) return spec.quantization.dtype === 'uint8' ? 1 : 2;
  return spec.dtype === 'bool' ? 1 : 4;
}

/** model.json files larger than this are refused before being read (a topology is a few MB). */
const MAX_MODEL_JSON_BYTES = 256 * 1024 * 1024;

async function readJsonIfExists(path: string): Promise<any | undefined> {
  let st: Awaited<ReturnType<typeof fs.stat>>;
  try {
    st = await fs.stat(path);
  } catch {
    return undefined;
  }
  // A FIFO or device would block or never end: only a regular file of sane size is read.
  if (!st.isFile()) throw new ModelFileError(path, 'is not a regular file');
  if (st.size > MAX_MODEL_JSON_BYTES)
    throw new ModelFileError(path, `is ${st.size} bytes, more than a model.json can be`);
  const text = await fs.readFile(path, 'utf8');
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

/** The files of a saved model: its model.json, then the weight shards it lists (checked paths). */
export async function savedModelFiles(pathOrDir: string): Promise<string[]> {
  const jsonPath = modelJsonPath(pathOrDir);
  const json = await readJsonIfExists(jsonPath);
  if (!json) throw new ModelFileError(jsonPath, 'no such model.json');
  const files = [jsonPath];
  for (const group of (json.weightsManifest ?? []) as tf.io.WeightsManifestConfig)
    for (const p of group.paths) files.push(shardPath(jsonPath, p));
  return files;
}

/** Bytes on disk of a saved model: its model.json and the weight shards it lists. */
export async function modelFileBytes(pathOrDir: string): Promise<number> {
  let total = 0;
  for (const f of await savedModelFiles(pathOrDir)) total += (await fs.stat(f)).size;
  return total;
}
