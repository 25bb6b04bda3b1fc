import * as tf from '@tensorflow/tfjs';
import { MemorySink, memorySource } from './memory-tiles.js';
import { modelBands, modelScale } from './model-metadata.js';
import type { RuntimeName } from './runtime.js';
import { planTiles } from './tile-plan.js';
import { startTileRunner } from './tile-workers.js';
import { upscaleTiled } from './tiled-inference.js';

/**
 * Params and multiply-accumulates of a model for one `[rows, cols]` input, e.g. `modelCost` of
 * `@hsrkit/lkca-net`, which counts conv, dense and @hsrkit/layers layers.
 */
export type ModelCostFn = (
  model: tf.LayersModel,
  size: [number, number],
) => { params: number; macs: number };

export interface InferenceBenchOptions {
  /** The model (cost, scale, bands; runs the tiles itself when `workers` is 1). */
  model: tf.LayersModel;
  /** Folder or model.json of the same model, which each worker loads when `workers` > 1 (default:
   * the model saved to a temporary folder). */
  modelPath?: string;
  /** Counts the model's MACs (and params); without it the MAC figures of the result are null. */
  cost?: ModelCostFn;
  /** Runtime each worker starts (default wasm). */
  runtime?: RuntimeName;
  /** Workers use Winograd for wide 3x3 convs on wasm (default true; see RuntimeOptions). */
  winogradConv?: boolean;
  /** Run the sub-pixel tail fused in WebAssembly on wasm/cpu (default true; see fusedTileRunner). */
  fusedTail?: boolean;
  /** Relaxed SIMD (FMA) for our WebAssembly kernels (default true; see RuntimeOptions.relaxedSimd). */
  relaxedSimd?: boolean;
  /** LR input rows and columns. */
  size: number | [number, number];
  /** Worker threads (default 1: tiles run in this thread on the current backend). */
  workers?: number;
  tile?: number | [number, number];
  overlap?: number;
  /** Timed forwards (default 10), after `warmup` untimed ones (default 1). */
  repeats?: number;
  warmup?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface InferenceBenchResult {
  rows: number;
  cols: number;
  bands: number;
  scale: number;
  params: number;
  /** Multiply-accumulates of one forward over the whole input (the useful work, no tile overlap);
   * null without `cost`. */
  macs: number | null;
  /** Multiply-accumulates actually run, tile overlap included; null without `cost`. */
  tiledMacs: number | null;
  tiles: number;
  tileSize: [number, number];
  workers: number;
  /** What each worker (or this thread) runs on. */
  devices: string[];
  ms_median: number;
  ms_min: number;
  ms: number[];
  /** `macs` / median time; null without `cost`. */
  gmacPerSecond: number | null;
}

/** A deterministic LR input in [0, 1) (no RNG state touched, so runs are comparable). */
function benchInput(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (Math.imul(i, 2654435761) >>> 0) / 4294967296;
  return x;
}

/**
 * Times a super-resolution forward the way `upscale` runs it: the input cut into tiles, the tiles
 * run by `workers` worker threads (each with its own backend and copy of the model) or in this
 * thread, and feathered into the output. The median is what a user of `upscale` waits per image.
 */
export async function benchInference(opts: InferenceBenchOptions): Promise<InferenceBenchResult> {
  const [rows, cols] = Array.isArray(opts.size) ? opts.size : [opts.size, opts.size];
  const workers = Math.max(1, opts.workers ?? 1);
  const { model } = opts;
  const bands = modelBands(model);
  const scale = modelScale(model);
  const plan = planTiles(rows, cols, {
    tile: opts.tile,
    overlap: opts.overlap,
    concurrency: workers,
    bands,
    scale,
  });
  const tiles = plan.rowStarts.length * plan.colStarts.length;
  const cost = opts.cost?.(model, [rows, cols]);
  const tileMacs = opts.cost?.(model, [plan.height, plan.width]).macs;
  const pool = await startTileRunner(model, {
    modelPath: opts.modelPath,
    runtime: opts.runtime ?? 'wasm',
    workers,
    winogradConv: opts.winogradConv,
    fusedTail: opts.fusedTail,
    relaxedSimd: opts.relaxedSimd,
  });
  try {
    const { runner } = pool;
    const source = memorySource(benchInput(rows * cols * bands), rows, cols, bands);
    const forward = async () => {
      const sink = new MemorySink(rows * scale, cols * scale, bands);
      await upscaleTiled(source, runner, sink, {
        scale,
        tile: [plan.height, plan.width],
        overlap: opts.overlap,
        concurrency: workers,
        signal: opts.signal,
      });
    };
    const warmup = opts.warmup ?? 1;
    const repeats = Math.max(1, opts.repeats ?? 10);
    for (let i = 0; i < warmup; i++) await forward(); // kernels compiled, weights packed
    const ms: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await forward();
      ms.push(performance.now() - t0);
      opts.onProgress?.(i + 1, repeats);
    }
    const sorted = [...ms].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1];
    return {
      rows,
      cols,
      bands,
      scale,
      params: cost?.params ?? model.countParams(),
      macs: cost?.macs ?? null,
      tiledMacs: tileMacs === undefined ? null : tileMacs * tiles,
      tiles,
      tileSize: [plan.height, plan.width],
      workers,
      devices: pool.devices.length ? pool.devices : [`${tf.getBackend()}`],
      ms_median: median,
      ms_min: sorted[0],
      ms,
      gmacPerSecond: cost ? cost.macs / 1e9 / (median / 1000) : null,
    };
  } finally {
    await pool.close();
  }
}
