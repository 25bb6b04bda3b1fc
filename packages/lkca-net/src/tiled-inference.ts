import * as tf from '@tensorflow/tfjs';
import { axisBlendWeights, tileStarts } from './tiling.js';

/** A spatial window of a cube, in samples. */
export interface Window {
  row: number;
  col: number;
  height: number;
  width: number;
}

/** Where LR tiles come from: a window reader (e.g. an hsi-data windowed read of a file on disk). */
export interface TileSource {
  rows: number;
  cols: number;
  bands: number;
  /** The window as BIP float32 `[height, width, bands]`. */
  read(window: Window): Promise<Float32Array>;
}

/** Where weighted HR tiles go; the weights of all tiles add up to 1 at every output sample. */
export interface TileSink {
  /** Adds `data * wy[y] * wx[x]` (BIP `[height, width, bands]`) into the output at `window`. */
  accumulate(window: Window, data: Float32Array, wy: Float32Array, wx: Float32Array): Promise<void>;
}

/** Runs the model on one LR tile (BIP, `[h, w, B]`) and returns the HR tile (BIP, `[h*s, w*s, B]`). */
export type TileRunner = (
  lr: Float32Array,
  height: number,
  width: number,
  bands: number,
) => Promise<Float32Array>;

export interface TiledOptions {
  scale: number;
  /** LR tile edge (default 64). */
  tile?: number;
  /** LR samples shared by neighbouring tiles (default 16); blending is exact for receptive fields <= overlap/4. */
  overlap?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Tiles run at once (the number of workers behind the runner; default 1). */
  concurrency?: number;
}

/** Runs `model` on one tile in this thread (values in the model's own units). */
export function modelTileRunner(model: tf.LayersModel): TileRunner {
  return async (lr, h, w, b) => {
    const y = tf.tidy(() => model.predict(tf.tensor4d(lr, [1, h, w, b])) as tf.Tensor);
    try {
      return (await y.data()) as Float32Array;
    } finally {
      y.dispose();
    }
  };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException('upscale aborted', 'AbortError');
}

/**
 * Tiled super-resolution of a cube of any size: overlapping tiles, feathered so there are no seams,
 * memory bounded by the tile (the source reads windows, the sink accumulates windows).
 */
export async function upscaleTiled(
  source: TileSource,
  runner: TileRunner,
  sink: TileSink,
  options: TiledOptions,
): Promise<void> {
  const { scale: s, tile = 64, overlap = 16, signal, onProgress, concurrency = 1 } = options;
  const th = Math.min(tile, source.rows);
  const tw = Math.min(tile, source.cols);
  const ys = tileStarts(source.rows, th, Math.min(overlap, th - 1));
  const xs = tileStarts(source.cols, tw, Math.min(overlap, tw - 1));
  const hrStarts = (st: number[]) => st.map((v) => v * s);
  const wy = axisBlendWeights(source.rows * s, hrStarts(ys), th * s, Math.min(overlap, th - 1) * s);
  const wx = axisBlendWeights(source.cols * s, hrStarts(xs), tw * s, Math.min(overlap, tw - 1) * s);
  const jobs: { i: number; j: number }[] = [];
  for (let i = 0; i < ys.length; i++) for (let j = 0; j < xs.length; j++) jobs.push({ i, j });
  let next = 0;
  let done = 0;
  // Accumulation into the sink is serialised: overlapping windows must not interleave.
  let sinkChain: Promise<void> = Promise.resolve();
  const worker = async () => {
    while (next < jobs.length) {
      if (signal?.aborted) throw abortError(signal);
      const { i, j } = jobs[next++];
      const win: Window = { row: ys[i], col: xs[j], height: th, width: tw };
      const lr = await source.read(win);
      const hr = await runner(lr, th, tw, source.bands);
      if (hr.length !== th * s * tw * s * source.bands)
        throw new RangeError(
          `the model returned ${hr.length} values for a ${th}x${tw}x${source.bands} tile; expected x${s} (${th * s}x${tw * s}x${source.bands})`,
        );
      const hrWin: Window = { row: ys[i] * s, col: xs[j] * s, height: th * s, width: tw * s };
      sinkChain = sinkChain.then(() => sink.accumulate(hrWin, hr, wy[i], wx[j]));
      await sinkChain;
      onProgress?.(++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  await sinkChain;
}

/** An in-memory sink: the whole HR cube as BIP float32 (fine for scenes that fit in memory). */
export class MemorySink implements TileSink {
  readonly data: Float32Array;
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly bands: number,
  ) {
    this.data = new Float32Array(rows * cols * bands);
  }
  async accumulate(
    win: Window,
    data: Float32Array,
    wy: Float32Array,
    wx: Float32Array,
  ): Promise<void> {
    const b = this.bands;
    for (let y = 0; y < win.height; y++) {
      const out = ((win.row + y) * this.cols + win.col) * b;
      const src = y * win.width * b;
      for (let x = 0; x < win.width; x++) {
        const w = wy[y] * wx[x];
        if (w === 0) continue;
        for (let k = 0; k < b; k++) this.data[out + x * b + k] += w * data[src + x * b + k];
      }
    }
  }
}

/** A source over an in-memory BIP float32 cube. */
export function memorySource(
  data: Float32Array,
  rows: number,
  cols: number,
  bands: number,
): TileSource {
  return {
    rows,
    cols,
    bands,
    async read(win) {
      const out = new Float32Array(win.height * win.width * bands);
      for (let y = 0; y < win.height; y++) {
        const from = ((win.row + y) * cols + win.col) * bands;
        out.set(data.subarray(from, from + win.width * bands), y * win.width * bands);
      }
      return out;
    },
  };
}
