// Loads a model in the worker from where the user pointed: the app's own server, a folder picked
// from disk, IndexedDB, or a freshly built untrained LKCA-Net student.
import { modelBands, readModelMetadata, withModelMetadata } from '@hsrkit/inference';
import { type AnyBandConfig, checkAnyBandConfig, lkcaStudent } from '@hsrkit/lkca-net/browser';
import * as tf from '@tensorflow/tfjs';
import { PlaygroundInputError } from './errors.js';
import type { ModelSource } from './worker-protocol.js';

export interface LoadedModel {
  model: tf.LayersModel;
  source: string;
  untrained: boolean;
  /** For an any-band model: its grouping and normalisation (the model is its shared core). */
  anyBand?: AnyBandConfig;
  /** The model's own name where the source gives one (a cascade's). */
  name?: string;
  /** For a cascade: every stage's core and config, in order (`model`/`anyBand` are the first's). */
  chain?: { name: string; model: tf.LayersModel; anyBand: AnyBandConfig }[];
}

/** An any-band model's core and its any-band.json, over HTTP. */
async function anyBandFrom(url: string, configUrl: string) {
  const res = await fetch(configUrl);
  if (!res.ok) throw new PlaygroundInputError(`${configUrl}: HTTP ${res.status}`);
  const anyBand = checkAnyBandConfig(await res.json(), configUrl);
  return { model: await tf.loadLayersModel(url), anyBand };
}

async function fromFiles(files: File[]): Promise<tf.LayersModel> {
  const json = files.filter((f) => f.name.endsWith('.json'));
  if (json.length !== 1)
    throw new PlaygroundInputError(
      `a model folder needs exactly one model.json (got ${json.length} .json files among ${files.length})`,
    );
  const weights = files.filter((f) => !f.name.endsWith('.json'));
  return tf.loadLayersModel(tf.io.browserFiles([json[0], ...weights]));
}

export async function loadModelFrom(source: ModelSource): Promise<LoadedModel> {
  switch (source.kind) {
    case 'url':
      return {
        model: await tf.loadLayersModel(source.url),
        source: source.label,
        untrained: false,
      };
    case 'any-band':
      return {
        ...(await anyBandFrom(source.url, source.configUrl)),
        source: source.label,
        untrained: false,
      };
    case 'any-band-chain': {
      const chain: NonNullable<LoadedModel['chain']> = [];
      try {
        for (const st of source.stages)
          chain.push({ name: st.name, ...(await anyBandFrom(st.url, st.configUrl)) });
      } catch (e) {
        for (const st of chain) st.model.dispose();
        throw e;
      }
      return {
        model: chain[0].model,
        anyBand: chain[0].anyBand,
        chain,
        name: source.name,
        source: source.label,
        untrained: false,
      };
    }
    case 'files':
      return {
        model: await fromFiles(source.files),
        source: `files: ${source.files.map((f) => f.name).join(', ')}`,
        untrained: false,
      };
    case 'indexeddb':
      return {
        model: await tf.loadLayersModel(`indexeddb://${source.key}`),
        source: `IndexedDB: ${source.key}`,
        untrained: false,
      };
    case 'untrained': {
      const model = lkcaStudent({ bands: source.bands, scale: source.scale });
      withModelMetadata(model, {
        scale: source.scale,
        bands: source.bands,
        normalization: source.normalization,
      });
      return {
        model,
        source: `untrained LKCA-Net student x${source.scale} (random weights)`,
        untrained: true,
      };
    }
  }
}

/** The model's scale: from its metadata, else from running it once on an 8 x 8 input. */
export async function scaleOf(model: tf.LayersModel): Promise<number> {
  const meta = readModelMetadata(model);
  if (meta.scale) return meta.scale;
  const y = tf.tidy(() => model.predict(tf.zeros([1, 8, 8, modelBands(model)])) as tf.Tensor);
  const s = (y.shape[1] as number) / 8;
  y.dispose();
  if (!Number.isInteger(s) || s < 1)
    throw new PlaygroundInputError(`the model maps 8 x 8 to ${y.shape[1]} x ${y.shape[2]}: not SR`);
  return s;
}

/** The model's topology, weights and metadata, in memory. */
export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('the model could not be serialised');
  return saved;
}

/** A fresh copy of the model, its weights created on the current backend. */
export function modelFromArtifacts(artifacts: tf.io.ModelArtifacts): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
