// The SR worker: holds the model and TF.js, so the page stays responsive while tiles run on
// WebGPU (or the runtime it fell back to). Each request gets one reply; runs also post progress.
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// Registers LKCA-Net's custom layer classes, so saved models that use them load.
import '@hsrkit/layers';
import {
  applyNormalization,
  bicubicDownsample,
  bicubicUpsample,
  computeMetrics,
  denormalize,
  type MetricOptions,
  toBipCube,
} from '@hsrkit/hsi-data';
// Tiled inference works for any TF.js SR model (@hsrkit/inference); the cost model is LKCA-Net's.
import {
  fusedTileRunner,
  selfEnsembleTileRunner,
  MemorySink,
  memorySource,
  modelBands,
  readModelMetadata,
  tileStarts,
  upscaleTiled,
} from '@hsrkit/inference';
import { type AnyBandConfig, AnyBandChain, AnyBandSR, modelCost } from '@hsrkit/lkca-net/browser';
import * as tf from '@tensorflow/tfjs';
import { isMissing, selectBands } from './cube-mask.js';
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
  type WaldResult,
} from './worker-protocol.js';

const post = (m: FromWorker, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(m, transfer);

// The .wasm binaries come from this app's own server (vite/local-assets.ts), never a CDN.
setWasmPaths(new URL(`${import.meta.env.BASE_URL}${WASM_PATH}`, self.location.origin).href);

let loaded:
  | (LoadedModel & {
      scale: number;
      bands: number;
      artifacts: tf.io.ModelArtifacts;
      /** An any-band model around the core (`model`), or a cascade of them. */
      anyBandSr?: AnyBandSR | AnyBandChain;
      /** A cascade's stages, each on the runtime `model` runs on (`model` is the first's). */
      stages?: ChainStage[];
    })
  | undefined;

interface ChainStage {
  name: string;
  model: tf.LayersModel;
  artifacts: tf.io.ModelArtifacts;
  bands: number;
  scale: number;
  anyBand: AnyBandConfig;
}

/** Every model the loaded entry holds (a cascade holds one per stage). */
function disposeLoaded(): void {
  if (!loaded) return;
  if (loaded.stages) for (const st of loaded.stages) st.model.dispose();
  else loaded.model.dispose();
}

/**
 * A cascade's stages started on one runtime: the first picks it as a single model does, the rest
 * are built on the runtime it chose (TF.js has one backend at a time, so all must share it).
 */
async function startStages(
  preference: RuntimePreference,
  parts: Omit<ChainStage, 'model'>[],
): Promise<{ stages: ChainStage[]; report: RuntimeReport }> {
  const first = await startRuntime(
    preference,
    () => modelFromArtifacts(parts[0].artifacts),
    parts[0].bands,
  );
  const stages: ChainStage[] = [{ ...parts[0], model: first.model }];
  const chosen =
    first.report.attempts.find((a) => a.chosen)?.runtime ?? first.report.attempts[0].runtime;
  try {
    for (const part of parts.slice(1)) {
      const next = await startRuntime(chosen, () => modelFromArtifacts(part.artifacts), part.bands);
      stages.push({ ...part, model: next.model });
      if (next.report.backend !== first.report.backend)
        throw new PlaygroundInputError(
          `the cascade's stage ${part.name} runs on ${next.report.backend}, the first stage on ${first.report.backend}: a cascade needs one runtime`,
        );
    }
  } catch (e) {
    for (const st of stages) st.model.dispose();
    throw e;
  }
  return { stages, report: first.report };
}

const chainOf = (stages: ChainStage[]) =>
  new AnyBandChain(stages.map((st) => new AnyBandSR(st.model, st.anyBand)));

async function loadChain(
  read: LoadedModel & { chain: NonNullable<LoadedModel['chain']> },
  preference: RuntimePreference,
): Promise<ModelInfo> {
  const parts: Omit<ChainStage, 'model'>[] = [];
  for (const st of read.chain) {
    parts.push({
      name: st.name,
      bands: modelBands(st.model),
      scale: await scaleOf(st.model),
      artifacts: await modelArtifacts(st.model),
      anyBand: st.anyBand,
    });
    st.model.dispose();
  }
  const { stages, report } = await startStages(preference, parts);
  disposeLoaded();
  const scale = stages.reduce((p, st) => p * st.scale, 1);
  loaded = {
    ...read,
    chain: undefined, // their models were read on cpu and disposed; `stages` hold the live ones
    model: stages[0].model,
    bands: stages[0].bands,
    scale,
    artifacts: stages[0].artifacts,
    stages,
    anyBandSr: chainOf(stages),
  };
  runtime = report;
  last = undefined;
  return {
    name: read.name ?? read.source,
    source: read.source,
    bands: stages[0].bands,
    scale,
    params: stages.reduce((p, st) => p + modelCost(st.model, [8, 8]).params, 0),
    untrained: false,
    anyBand: true,
    stages: stages.map((st) => ({ name: st.name, scale: st.scale })),
    runtime: report,
  };
}
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
  if (read.chain) return loadChain({ ...read, chain: read.chain }, source.runtime);
  const bands = modelBands(read.model);
  const scale = await scaleOf(read.model);
  const artifacts = await modelArtifacts(read.model);
  read.model.dispose();
  const started = await startRuntime(source.runtime, () => modelFromArtifacts(artifacts), bands);
  disposeLoaded();
  loaded = {
    ...read,
    model: started.model,
    bands,
    scale,
    artifacts,
    anyBandSr: read.anyBand && new AnyBandSR(started.model, read.anyBand),
  };
  runtime = started.report;
  last = undefined;
  return {
    // An any-band model by its own name (its core is a generic layers model).
    name: read.anyBand?.name ?? loaded.model.name,
    source: read.source,
    bands,
    scale,
    params: modelCost(loaded.model, [8, 8]).params,
    untrained: read.untrained,
    anyBand: !!read.anyBand,
    normalization: readModelMetadata(loaded.model).normalization,
    runtime,
  };
}

async function setRuntime(preference: RuntimePreference): Promise<RuntimeReport> {
  const current = need();
  if (current.stages) {
    const { stages, report } = await startStages(preference, current.stages);
    for (const st of current.stages) st.model.dispose();
    Object.assign(current, { stages, model: stages[0].model, anyBandSr: chainOf(stages) });
    runtime = report;
    return runtime;
  }
  const started = await startRuntime(
    preference,
    () => modelFromArtifacts(current.artifacts),
    current.bands,
  );
  current.model.dispose();
  current.model = started.model;
  if (current.anyBand) current.anyBandSr = new AnyBandSR(started.model, current.anyBand);
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

/** SR and bicubic of `lr` (BIP, the input's units) with the loaded model, tile by tile. */
async function superResolve(
  lr: BipData,
  tile: number,
  overlap: number,
  selfEnsemble: boolean,
  signal: AbortSignal,
  onProgress: (done: number, total: number) => void,
): Promise<{ sr: BipData; bicubic: BipData }> {
  const { model, scale, bands, anyBandSr } = need();
  if (anyBandSr) return superResolveAnyBand(anyBandSr, lr, tile, selfEnsemble, signal, onProgress);
  const record = readModelMetadata(model).normalization;
  const input = record ? toBipCube(applyNormalization(cubeOf(lr), record)) : cubeOf(lr);
  const sink = new MemorySink(lr.rows * scale, lr.cols * scale, bands);
  // On wasm (and cpu) the upsampler, shuffle and bicubic skip run as one WebAssembly SIMD pass;
  // on WebGPU/WebGL the model runs as it is.
  const { runner } = await fusedTileRunner(model);
  // The self-ensemble runs each tile under its 8 rotations and flips (8 passes, averaged).
  const tileRunner = selfEnsemble ? selfEnsembleTileRunner(runner, scale) : runner;
  await upscaleTiled(memorySource(input.data, lr.rows, lr.cols, bands), tileRunner, sink, {
    scale,
    tile,
    overlap,
    signal,
    onProgress,
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
  return { sr: { ...hr, data: srData }, bicubic: { ...hr, data: bicData } };
}

/**
 * The any-band model (or a cascade of them, stage after stage) on the whole cube: its own
 * `predict` tiles (LR tiles of `tile` with a halo) and normalises each band group from the cube itself; it reports no progress between tiles, so
 * a Cancel takes effect when it is done.
 */
async function superResolveAnyBand(
  model: AnyBandSR | AnyBandChain,
  lr: BipData,
  tile: number,
  selfEnsemble: boolean,
  signal: AbortSignal,
  onProgress: (done: number, total: number) => void,
): Promise<{ sr: BipData; bicubic: BipData }> {
  const out = await model.predict(cubeOf(lr), { tile: Math.max(8, tile), selfEnsemble });
  signal.throwIfAborted();
  onProgress(1, 1);
  const hr = { rows: out.rows, cols: out.cols, bands: out.bands };
  const bic = tf.tidy(() =>
    bicubicUpsample(tf.tensor3d(lr.data, [lr.rows, lr.cols, lr.bands]), model.scale),
  );
  const bicData = (await bic.data()) as Float32Array;
  bic.dispose();
  return { sr: { ...hr, data: out.data as Float32Array }, bicubic: { ...hr, data: bicData } };
}

function checkRun(lr: BipData, tile: number, overlap: number): void {
  const { bands, anyBandSr } = need();
  if (!anyBandSr && lr.bands !== bands)
    throw new PlaygroundInputError(
      `the cube has ${lr.bands} bands but the model takes ${bands}: pick a model made for this sensor`,
    );
  if (!(tile >= 4 && overlap >= 0 && overlap < tile))
    throw new PlaygroundInputError(
      `tile ${tile} / overlap ${overlap}: need tile >= 4, 0 <= overlap < tile`,
    );
}

/**
 * Runs `work` as the cancellable run `id`: progress messages, the tensor count before and after,
 * and a cancelled result (not an error) when the user stopped it.
 */
async function asRun<T>(
  id: number,
  size: { rows: number; cols: number },
  tile: number,
  overlap: number,
  selfEnsemble: boolean,
  work: (signal: AbortSignal, onProgress: (done: number, total: number) => void) => Promise<T>,
): Promise<{ value?: T; info: RunResult }> {
  const { scale } = need();
  const controller = new AbortController();
  runs.set(id, controller);
  const tensorsBefore = tf.memory().numTensors;
  // The any-band model runs the cube in one call (its tiles inside): one step.
  const total = need().anyBandSr ? 1 : tileCount(size.rows, size.cols, tile, overlap);
  const tiles = { done: 0, total };
  post({ type: 'progress', id, ...tiles });
  const t0 = performance.now();
  const info = (cancelled: boolean): RunResult => ({
    cancelled,
    scale,
    tiles,
    ms: performance.now() - t0,
    backend: tf.getBackend(),
    selfEnsemble,
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
  });
  try {
    const value = await work(controller.signal, (done, total) => {
      Object.assign(tiles, { done, total });
      post({ type: 'progress', id, done, total });
    });
    return { value, info: info(false) };
  } catch (e) {
    if (controller.signal.aborted) return { info: info(true) };
    throw e;
  } finally {
    runs.delete(id);
  }
}

async function run(id: number, req: Request & { type: 'run' }): Promise<RunResult> {
  const { lr, tile, overlap } = req;
  const selfEnsemble = req.selfEnsemble === true;
  checkRun(lr, tile, overlap);
  const { value, info } = await asRun(id, lr, tile, overlap, selfEnsemble, (signal, onProgress) =>
    superResolve(lr, tile, overlap, selfEnsemble, signal, onProgress),
  );
  if (!value) return info;
  last = { ...value, scale: info.scale };
  return { ...info, ...value };
}

/** The peak of the valid samples (the metrics' data range). */
function peakOf(img: BipData, noData: number | undefined): number {
  let peak = 0;
  for (const v of img.data) if (v > peak && !isMissing(v, noData)) peak = v;
  return peak || 1;
}

/** sspsr metrics of SR and bicubic against `reference`, on the good bands, skipping no-data pixels. */
async function score(
  reference: BipData,
  sr: BipData,
  bicubic: BipData,
  scale: number,
  goodBands: number[],
  noDataValue: number | undefined,
): Promise<MetricsResult> {
  const ref = selectBands(reference, goodBands);
  const dataRange = peakOf(ref, noDataValue);
  const opts: MetricOptions = { preset: 'sspsr', scale, dataRange, noDataValue };
  return {
    sr: await computeMetrics(cubeOf(ref), cubeOf(selectBands(sr, goodBands)), opts),
    bicubic: await computeMetrics(cubeOf(ref), cubeOf(selectBands(bicubic, goodBands)), opts),
    dataRange,
    bands: goodBands.length,
  };
}

async function metrics(req: Request & { type: 'metrics' }): Promise<MetricsResult> {
  if (!last) throw new PlaygroundInputError('run super-resolution first');
  const { hr } = req;
  const { sr, bicubic, scale } = last;
  if (hr.rows !== sr.rows || hr.cols !== sr.cols || hr.bands !== sr.bands)
    throw new PlaygroundInputError(
      `the HR cube is ${hr.rows} x ${hr.cols} x ${hr.bands} but the SR result is ${sr.rows} x ${sr.cols} x ${sr.bands}: ` +
        `give the ground truth the LR cube was made from (x${scale})`,
    );
  return score(hr, sr, bicubic, scale, req.goodBands, req.noDataValue);
}

/**
 * Wald's protocol, for a cube without ground truth: the opened cube (cropped to a multiple of the
 * scale) degraded x1/s the way the training pairs were made (MATLAB bicubic imresize), super-
 * resolved back, and scored against the opened cube itself, beside bicubic.
 */
async function wald(id: number, req: Request & { type: 'wald' }): Promise<WaldResult> {
  const { scale } = need();
  const { lr: full, original, tile, overlap } = req;
  const rows = Math.floor(full.rows / scale) * scale;
  const cols = Math.floor(full.cols / scale) * scale;
  if (rows / scale < 4 || cols / scale < 4)
    throw new PlaygroundInputError(
      `the cube is ${full.rows} x ${full.cols}: Wald's check at x${scale} needs at least ${4 * scale} x ${4 * scale} pixels (degraded to 4 x 4)`,
    );
  checkRun(full, tile, overlap);
  // The top-left rows x cols (BIP rows are contiguous: one slice per row).
  const crop = (img: BipData): BipData => {
    const data = new Float32Array(rows * cols * img.bands);
    const width = cols * img.bands;
    for (let r = 0; r < rows; r++)
      data.set(
        img.data.subarray(r * img.cols * img.bands, r * img.cols * img.bands + width),
        r * width,
      );
    return { rows, cols, bands: img.bands, data };
  };
  const reference = crop(original);
  const hr = crop(full);
  const small = tf.tidy(() =>
    bicubicDownsample(tf.tensor3d(hr.data, [rows, cols, hr.bands]), scale),
  );
  const degraded: BipData = {
    rows: rows / scale,
    cols: cols / scale,
    bands: hr.bands,
    data: (await small.data()) as Float32Array,
  };
  small.dispose();
  const selfEnsemble = req.selfEnsemble === true;
  const { value, info } = await asRun(
    id,
    degraded,
    tile,
    overlap,
    selfEnsemble,
    (signal, onProgress) => superResolve(degraded, tile, overlap, selfEnsemble, signal, onProgress),
  );
  if (!value) return { run: info };
  const scores = await score(
    reference,
    value.sr,
    value.bicubic,
    scale,
    req.goodBands,
    req.noDataValue,
  );
  return {
    run: { ...info, tensorsAfter: tf.memory().numTensors },
    metrics: scores,
    degraded: [degraded.rows, degraded.cols],
    reference: [rows, cols],
  };
}

/** A cascade is several models: what works on one model is refused with what to do instead. */
function notACascade(what: string): void {
  const { stages, source } = need();
  if (stages)
    throw new PlaygroundInputError(
      `${source} is a cascade of ${stages.map((st) => st.name).join(' then ')}: load one of those models to ${what}`,
    );
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
      return metrics(msg);
    case 'wald':
      return wald(msg.id, msg);
    case 'analyze': {
      const { model, bands } = need();
      notACascade('analyse its upsampler');
      return lowRankSummary(model, bands);
    }
    case 'save-model':
      notACascade('save it');
      await need().model.save(`indexeddb://${msg.key}`);
      return msg.key;
    case 'list-models':
      return Object.keys(await tf.io.listModels())
        .filter((k) => k.startsWith('indexeddb://'))
        .map((k) => k.slice('indexeddb://'.length));
  }
}

// One request at a time (two model loads at once would interleave their backend switches), but
// a cancel is answered at once: it must reach the run it stops.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  const work = async () => {
    try {
      const value = await handle(msg);
      post({ type: 'reply', id: msg.id, ok: true, value });
    } catch (err) {
      post({ type: 'reply', id: msg.id, ok: false, error: describeError(err) });
    }
  };
  if (msg.type === 'cancel') void work();
  else queue = queue.then(work);
};
