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
  /** LR tile edge (default 64), or [height, width]. */
  tile?: number | [number, number];
  /** LR samples shared by neighbouring tiles (default 16); blending is exact for receptive fields <= overlap/4. */
  overlap?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /**
   * Tiles run at once (the number of workers behind the runner; default 1). Where the cube would
   * give fewer tiles than this, tiles are cut smaller along the longer axis so every worker has one.
   */
  concurrency?: number;
}

export interface TilePlan {
  /** LR tile height and width. */
  height: number;
  width: number;
  /** Overlap used on each axis (clamped below the tile edge). */
  overlapRows: number;
  overlapCols: number;
  /** Start rows and columns of the tiles. */
  rowStarts: number[];
  colStarts: number[];
}

/** Smallest tile edge along an axis of `length` that `count` tiles sharing `overlap` cover. */
function edgeForCount(length: number, count: number, overlap: number): number {
  return Math.ceil((length + (count - 1) * overlap) / count);
}

/**
 * The tiles `upscaleTiled` runs for a cube of rows x cols: as few tiles of at most `tile` as cover
 * it with neighbours sharing `overlap`, all of one size; where that gives fewer tiles than
 * `concurrency`, the longer axis is cut into more, smaller tiles (each at least twice the
 * overlap), so parallel workers all get work.
 */
export function planTiles(
  rows: number,
  cols: number,
  opts: { tile?: number | [number, number]; overlap?: number; concurrency?: number } = {},
): TilePlan {
  const [tileH, tileW] = Array.isArray(opts.tile) ? opts.tile : [opts.tile ?? 64, opts.tile ?? 64];
  const overlap = opts.overlap ?? 16;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  let th = Math.min(tileH, rows);
  let tw = Math.min(tileW, cols);
  const starts = (len: number, t: number) => tileStarts(len, t, Math.min(overlap, t - 1));
  let ys = starts(rows, th);
  let xs = starts(cols, tw);
  // Balance: the same number of tiles, each only as large as covering the axis needs, so the last
  // tile does not recompute most of its neighbour.
  if (ys.length > 1) ys = starts(rows, (th = edgeForCount(rows, ys.length, overlap)));
  if (xs.length > 1) xs = starts(cols, (tw = edgeForCount(cols, xs.length, overlap)));
  // Cut the longer axis into more tiles while workers would idle and a tile stays at least twice
  // the overlap (below that, recomputing the shared samples costs more than another worker gains).
  while (ys.length * xs.length < concurrency) {
    const alongRows = rows / ys.length >= cols / xs.length;
    const len = alongRows ? rows : cols;
    const count = (alongRows ? ys.length : xs.length) + 1;
    const edge = edgeForCount(len, count, overlap);
    if (edge < 2 * overlap || edge >= (alongRows ? th : tw)) break;
    if (alongRows) {
      th = edge;
      ys = starts(rows, th);
    } else {
      tw = edge;
      xs = starts(cols, tw);
    }
  }
  return {
    height: th,
    width: tw,
    overlapRows: Math.min(overlap, th - 1),
    overlapCols: Math.min(overlap, tw - 1),
    rowStarts: ys,
    colStarts: xs,
  };
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
  const { scale: s, signal, onProgress, concurrency = 1 } = options;
  const plan = planTiles(source.rows, source.cols, options);
  const { height: th, width: tw, rowStarts: ys, colStarts: xs } = plan;
  const hrStarts = (st: number[]) => st.map((v) => v * s);
  const wy = axisBlendWeights(source.rows * s, hrStarts(ys), th * s, plan.overlapRows * s);
  const wx = axisBlendWeights(source.cols * s, hrStarts(xs), tw * s, plan.overlapCols * s);
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
    const dst = this.data;
    const rowLen = win.width * b;
    for (let y = 0; y < win.height; y++) {
      const wRow = wy[y];
      if (wRow === 0) continue;
      const out = ((win.row + y) * this.cols + win.col) * b;
      const src = y * rowLen;
      for (let x = 0; x < win.width; x++) {
        const w = wRow * wx[x];
        if (w === 0) continue;
        const o = out + x * b;
        const i = src + x * b;
        for (let k = 0; k < b; k++) dst[o + k] += w * data[i + k];
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
