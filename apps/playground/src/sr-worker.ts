// The SR worker: holds the model and TF.js, so the page stays responsive while tiles run on
// WebGPU (or the runtime it fell back to). Each request gets one reply; runs also post progress.
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// Registers LKCA-Net's custom layer classes, so saved models that use them load.
import '@hsrkit/layers';
import {
  applyNormalization,
  bicubicUpsample,
  computeMetrics,
  denormalize,
  type MetricOptions,
  toBipCube,
} from '@hsrkit/hsi-data';
// Tiled inference works for any TF.js SR model (@hsrkit/inference); the cost model is LKCA-Net's.
import {
  fusedTileRunner,
  MemorySink,
  memorySource,
  modelBands,
  readModelMetadata,
  tileStarts,
  upscaleTiled,
} from '@hsrkit/inference';
import { modelCost } from '@hsrkit/lkca-net/browser';
import * as tf from '@tensorflow/tfjs';
import { describeError, PlaygroundInputError } from './errors.js';
import { lowRankSummary } from './lowrank-summary.js';
import {
  type LoadedModel,
  loadModelFrom,
  modelArtifacts,
  modelFromArtifacts,
  scaleOf,
} from './model-loading.js';
import { startRuntime } from './runtime-fallback.js';
import { WASM_PATH } from './shipped-models.js';
import {
  type BipData,
  cubeOf,
  type FromWorker,
  type MetricsResult,
  type ModelInfo,
  type Request,
  type RunResult,
  type RuntimePreference,
  type RuntimeReport,
  type ToWorker,
} from './worker-protocol.js';

const post = (m: FromWorker, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(m, transfer);

// The .wasm binaries come from this app's own server (vite/local-assets.ts), never a CDN.
setWasmPaths(new URL(`${import.meta.env.BASE_URL}${WASM_PATH}`, self.location.origin).href);

let loaded:
  | (LoadedModel & { scale: number; bands: number; artifacts: tf.io.ModelArtifacts })
  | undefined;
let runtime: RuntimeReport | undefined;
let last: { sr: BipData; bicubic: BipData; scale: number } | undefined;
const runs = new Map<number, AbortController>();

function need(): NonNullable<typeof loaded> {
  if (!loaded) throw new PlaygroundInputError('load a model first');
  return loaded;
}

async function loadModel(source: ToWorker & { type: 'load-model' }): Promise<ModelInfo> {
  // Read once (on cpu) into memory; each runtime tried then builds its own copy from that.
  await tf.setBackend('cpu');
  const read = await loadModelFrom(source.source);
  const bands = modelBands(read.model);
  const scale = await scaleOf(read.model);
  const artifacts = await modelArtifacts(read.model);
  read.model.dispose();
  const started = await startRuntime(source.runtime, () => modelFromArtifacts(artifacts), bands);
  loaded?.model.dispose();
  loaded = { ...read, model: started.model, bands, scale, artifacts };
  runtime = started.report;
  last = undefined;
  return {
    name: loaded.model.name,
    source: read.source,
    bands,
    scale,
    params: modelCost(loaded.model, [8, 8]).params,
    untrained: read.untrained,
    normalization: readModelMetadata(loaded.model).normalization,
    runtime,
  };
}

async function setRuntime(preference: RuntimePreference): Promise<RuntimeReport> {
  const current = need();
  const started = await startRuntime(
    preference,
    () => modelFromArtifacts(current.artifacts),
    current.bands,
  );
  current.model.dispose();
  current.model = started.model;
  runtime = started.report;
  return runtime;
}

function tileCount(rows: number, cols: number, tile: number, overlap: number): number {
  const th = Math.min(tile, rows);
  const tw = Math.min(tile, cols);
  return (
    tileStarts(rows, th, Math.min(overlap, th - 1)).length *
    tileStarts(cols, tw, Math.min(overlap, tw - 1)).length
  );
}

async function run(id: number, req: Request & { type: 'run' }): Promise<RunResult> {
  const { model, scale, bands } = need();
  const { lr, tile, overlap } = req;
  if (lr.bands !== bands)
    throw new PlaygroundInputError(
      `the cube has ${lr.bands} bands but the model takes ${bands}: pick a model made for this sensor`,
    );
  if (!(tile >= 4 && overlap >= 0 && overlap < tile))
    throw new PlaygroundInputError(
      `tile ${tile} / overlap ${overlap}: need tile >= 4, 0 <= overlap < tile`,
    );
  const controller = new AbortController();
  runs.set(id, controller);
  const tensorsBefore = tf.memory().numTensors;
  const tiles = { done: 0, total: tileCount(lr.rows, lr.cols, tile, overlap) };
  post({ type: 'progress', id, ...tiles });
  const t0 = performance.now();
  const result = (extra: Partial<RunResult>): RunResult => ({
    cancelled: false,
    scale,
    tiles,
    ms: performance.now() - t0,
    backend: tf.getBackend(),
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
    ...extra,
  });
  try {
    const record = readModelMetadata(model).normalization;
    const input = record ? toBipCube(applyNormalization(cubeOf(lr), record)) : cubeOf(lr);
    const sink = new MemorySink(lr.rows * scale, lr.cols * scale, bands);
    // On wasm (and cpu) the upsampler, shuffle and bicubic skip run as one WebAssembly SIMD pass;
    // on WebGPU/WebGL the model runs as it is.
    const { runner } = await fusedTileRunner(model);
    await upscaleTiled(memorySource(input.data, lr.rows, lr.cols, bands), runner, sink, {
      scale,
      tile,
      overlap,
      signal: controller.signal,
      onProgress: (done, total) => {
        Object.assign(tiles, { done, total });
        post({ type: 'progress', id, done, total });
      },
    });
    const hr = { rows: lr.rows * scale, cols: lr.cols * scale, bands };
    // Back to the input's units (the model works in the units it was trained in).
    const srData = record
      ? toBipCube(denormalize(cubeOf({ ...hr, data: sink.data }), record)).data
      : sink.data;
    const bic = tf.tidy(() =>
      bicubicUpsample(tf.tensor3d(lr.data, [lr.rows, lr.cols, bands]), scale),
    );
    const bicData = (await bic.data()) as Float32Array;
    bic.dispose();
    last = { sr: { ...hr, data: srData }, bicubic: { ...hr, data: bicData }, scale };
    return result({ sr: last.sr, bicubic: last.bicubic });
  } catch (e) {
    if (controller.signal.aborted) return result({ cancelled: true });
    throw e;
  } finally {
    runs.delete(id);
  }
}

async function metrics(hr: BipData): Promise<MetricsResult> {
  if (!last) throw new PlaygroundInputError('run super-resolution first');
  const { sr, bicubic, scale } = last;
  if (hr.rows !== sr.rows || hr.cols !== sr.cols || hr.bands !== sr.bands)
    throw new PlaygroundInputError(
      `the HR cube is ${hr.rows} x ${hr.cols} x ${hr.bands} but the SR result is ${sr.rows} x ${sr.cols} x ${sr.bands}: ` +
        `give the ground truth the LR cube was made from (x${scale})`,
    );
  let dataRange = 0;
  for (const v of hr.data) if (v > dataRange) dataRange = v;
  const opts: MetricOptions = { preset: 'sspsr', scale, dataRange: dataRange || 1 };
  return {
    sr: await computeMetrics(cubeOf(hr), cubeOf(sr), opts),
    bicubic: await computeMetrics(cubeOf(hr), cubeOf(bicubic), opts),
    dataRange,
  };
}

async function handle(msg: ToWorker): Promise<unknown> {
  switch (msg.type) {
    case 'load-model':
      return loadModel(msg);
    case 'set-runtime':
      return setRuntime(msg.runtime);
    case 'run':
      return run(msg.id, msg);
    case 'cancel': {
      const c = runs.get(msg.runId);
      c?.abort(new DOMException('cancelled by the user', 'AbortError'));
      return !!c;
    }
    case 'metrics':
      return metrics(msg.hr);
    case 'analyze': {
      const { model, bands } = need();
      return lowRankSummary(model, bands);
    }
    case 'save-model':
      await need().model.save(`indexeddb://${msg.key}`);
      return msg.key;
    case 'list-models':
      return Object.keys(await tf.io.listModels())
        .filter((k) => k.startsWith('indexeddb://'))
        .map((k) => k.slice('indexeddb://'.length));
  }
}

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  try {
    const value = await handle(msg);
    post({ type: 'reply', id: msg.id, ok: true, value });
  } catch (err) {
    post({ type: 'reply', id: msg.id, ok: false, error: describeError(err) });
  }
};
