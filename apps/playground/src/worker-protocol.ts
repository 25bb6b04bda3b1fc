// Messages between the page and the SR worker (sr-worker.ts). Every request carries an id; the
// worker answers each with one `reply` (and `progress` messages for runs in between).
import type {
  BipCube,
  BipImage,
  CubeMetadata,
  MetricReport,
  NormalizationRecord,
} from '@hsrkit/hsi-data';

/** The order tried when the user leaves the choice to the app; a forced choice still falls back. */
export const RUNTIME_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type RuntimeChoice = (typeof RUNTIME_ORDER)[number];
export type RuntimePreference = RuntimeChoice | 'auto';

export type ModelSource =
  /** A model.json served over HTTP (the shipped weights). */
  | { kind: 'url'; url: string; label: string }
  /** An any-band model served over HTTP: its core's model.json and its any-band.json. */
  | { kind: 'any-band'; url: string; configUrl: string; label: string }
  /** Any-band models run one after another (a cascade such as x4 then x2 for x8), each served over HTTP. */
  | {
      kind: 'any-band-chain';
      name: string;
      label: string;
      stages: { name: string; url: string; configUrl: string }[];
    }
  /** model.json and its weight files picked from disk (a model folder). */
  | { kind: 'files'; files: File[] }
  /** A model saved earlier in this browser's IndexedDB. */
  | { kind: 'indexeddb'; key: string }
  /** An LKCA-Net student with random weights, built in the page: runs, but is not trained. */
  | { kind: 'untrained'; bands: number; scale: number; normalization?: NormalizationRecord };

export interface RuntimeAttempt {
  runtime: RuntimeChoice;
  /** It started and ran the model. */
  ok: boolean;
  /** The one the model now runs on. */
  chosen?: boolean;
  /** What the browser says a GPU runtime runs on (WebGPU adapter, WebGL renderer). */
  adapter?: string;
  /** Time of one forward on a `timedInput` square input (ms), when runtimes were compared. */
  ms?: number;
  /** Why it was not used (skipped, failed, or slower). */
  error?: string;
}

export interface RuntimeReport {
  /** tf.getBackend() in the worker. */
  backend: string;
  device: string;
  /** Every runtime considered, in order, with why each one not chosen was passed over. */
  attempts: RuntimeAttempt[];
  /** Side of the timed forward's input ('auto' only). */
  timedInput?: number;
}

export interface ModelInfo {
  name: string;
  source: string;
  bands: number;
  scale: number;
  params: number;
  /** The model was not trained: its output means nothing. */
  untrained: boolean;
  /** An any-band model: takes any band count, in overlapping groups of `bands` bands. */
  anyBand?: boolean;
  /** A cascade: the models it runs in order (`params` is their sum, `scale` the product). */
  stages?: { name: string; scale: number }[];
  normalization?: NormalizationRecord;
  runtime: RuntimeReport;
}

/** A cube as the worker takes it: BIP float32 samples in the file's units, no metadata. */
export type BipData = BipImage;

/** The samples of a cube, without its metadata, for a message to or from the worker. */
export function bipData(cube: BipData): BipData {
  return { rows: cube.rows, cols: cube.cols, bands: cube.bands, data: cube.data };
}

/** A cube again from samples that crossed the worker boundary, with the metadata given. */
export function cubeOf(d: BipData, meta: CubeMetadata = {}): BipCube {
  return { ...meta, rows: d.rows, cols: d.cols, bands: d.bands, interleave: 'bip', data: d.data };
}

export interface RunResult {
  cancelled: boolean;
  /** Super-resolved and bicubic-upsampled cubes, BIP float32, in the input's units. */
  sr?: BipData;
  bicubic?: BipData;
  scale: number;
  tiles: { done: number; total: number };
  ms: number;
  backend: string;
  /** Whether the model ran under the geometric self-ensemble (8 passes per tile, averaged). */
  selfEnsemble: boolean;
  /** tf.memory().numTensors in the worker before and after the run (equal: nothing leaked). */
  tensorsBefore: number;
  tensorsAfter: number;
}

export interface MetricsResult {
  sr: MetricReport;
  bicubic: MetricReport;
  /** The reference's peak over valid samples. */
  dataRange: number;
  /** Bands scored (the good ones: bad bands are left out). */
  bands: number;
}

/** Wald's reduced-resolution check of the opened cube (sr-worker.ts `wald`). */
export interface WaldResult {
  run: RunResult;
  /** Absent when cancelled. */
  metrics?: MetricsResult;
  /** Rows x cols of the degraded cube the model ran on, and of the reference it is scored against. */
  degraded?: [number, number];
  reference?: [number, number];
}

export interface UpsamplerSpectrum {
  layer: string;
  className: string;
  kernelShape: number[];
  params: number;
  fullRank: number;
  singularValues: number[];
  energy: number[];
  knee: number;
  /** Rank needed to keep each energy share, the layer's params at that rank, and the saving. */
  ranks: { energy: number; rank: number; params: number; saved: number }[];
  svg: string;
}

export interface LowRankResult {
  modelParams: number;
  upsamplerShare: number;
  upsamplers: UpsamplerSpectrum[];
}

export type Request =
  | { type: 'load-model'; source: ModelSource; runtime: RuntimePreference }
  | { type: 'set-runtime'; runtime: RuntimePreference }
  | { type: 'run'; lr: BipData; tile: number; overlap: number; selfEnsemble?: boolean }
  | { type: 'cancel'; runId: number }
  | { type: 'metrics'; hr: BipData; goodBands: number[]; noDataValue?: number }
  | {
      type: 'wald';
      /** The opened cube as the network takes it (no-data filled) and as it is (the reference). */
      lr: BipData;
      original: BipData;
      goodBands: number[];
      noDataValue?: number;
      tile: number;
      overlap: number;
      selfEnsemble?: boolean;
    }
  | { type: 'analyze' }
  | { type: 'save-model'; key: string }
  | { type: 'list-models' };

export interface ResponseOf {
  'load-model': ModelInfo;
  'set-runtime': RuntimeReport;
  run: RunResult;
  cancel: boolean;
  metrics: MetricsResult;
  wald: WaldResult;
  analyze: LowRankResult;
  'save-model': string;
  'list-models': string[];
}

export type ToWorker = { id: number } & Request;

export type FromWorker =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: { name: string; message: string } }
  | { type: 'progress'; id: number; done: number; total: number };
