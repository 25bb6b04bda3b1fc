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

/**
 * Where weighted HR tiles go; the weights of all tiles add up to 1 at every output sample (so a
 * sample where one tile's weight is 1 gets nothing from the others, which sinks may exploit).
 * Runners may leave rows that blending weighs 0 uncomputed (zeros, in fusedTileRunner's case).
 */
export interface TileSink {
  /** Adds `data * wy[y] * wx[x]` (BIP `[height, width, bands]`) into the output at `window`. */
  accumulate(window: Window, data: Float32Array, wy: Float32Array, wx: Float32Array): Promise<void>;
  /**
   * The output in shared memory, when the sink keeps it there: a runner that can (worker threads)
   * then adds its tiles in straight, in parallel, instead of handing them to `accumulate`.
   */
  readonly shared?: SharedOutput;
}

/** An HR cube in shared memory that threads add weighted tiles into, one row lock per output row. */
export interface SharedOutput {
  rows: number;
  cols: number;
  bands: number;
  /** BIP float32 `[rows, cols, bands]` on a SharedArrayBuffer. */
  data: Float32Array;
  /** One lock per output row (0 free, 1 held) on a SharedArrayBuffer. */
  locks: Int32Array;
}

/**
 * Adds `data * wy[y] * wx[x]` into `out` at `win`, each output row under its lock, so several
 * threads can add overlapping tiles at once. (Atomics.wait needs a thread that may block: a
 * worker, or Node's main thread.)
 */
export function accumulateShared(
  out: SharedOutput,
  win: Window,
  data: Float32Array,
  wy: Float32Array,
  wx: Float32Array,
): void {
  const { locks } = out;
  for (let y = 0; y < win.height; y++) {
    if (wy[y] === 0) continue;
    const row = win.row + y;
    while (Atomics.compareExchange(locks, row, 0, 1) !== 0) Atomics.wait(locks, row, 1);
    try {
      addRow(
        out.data,
        ((win.row + y) * out.cols + win.col) * out.bands,
        data,
        y * win.width * out.bands,
        wy[y],
        wx,
        win.width,
        out.bands,
      );
    } finally {
      Atomics.store(locks, row, 0);
      Atomics.notify(locks, row, 1);
    }
  }
}

/**
 * dst[o + x*b + k] += wRow * wx[x] * src[i + x*b + k], except that runs of weight 1 are copied:
 * tile weights add up to 1 at every sample, so where a tile's weight is 1 no other tile adds
 * anything (they skip weight 0) and the sample is that tile's value. A memcpy instead of a JS
 * loop for the bulk of every tile.
 */
function addRow(
  dst: Float32Array,
  o: number,
  src: Float32Array,
  i: number,
  wRow: number,
  wx: Float32Array,
  width: number,
  b: number,
): void {
  let x = 0;
  while (x < width) {
    const w = wRow * wx[x];
    if (w === 1) {
      let end = x + 1;
      while (end < width && wRow * wx[end] === 1) end++;
      dst.set(src.subarray(i + x * b, i + end * b), o + x * b);
      x = end;
      continue;
    }
    if (w !== 0) {
      const d = o + x * b;
      const s = i + x * b;
      for (let k = 0; k < b; k++) dst[d + k] += w * src[s + k];
    }
    x++;
  }
}

/**
 * Runs the model on one LR tile (BIP, `[h, w, B]`) and returns the HR tile (BIP, `[h*s, w*s, B]`).
 * `rows` [first, end), when given, are the LR rows whose output is used (blending gives the
 * others weight 0): a runner may leave the rest of the output uncomputed (sinks skip weight 0).
 */
export type TileRunner = ((
  lr: Float32Array,
  height: number,
  width: number,
  bands: number,
  rows?: [number, number],
) => Promise<Float32Array>) & {
  /**
   * Optional: runs the tile and adds it, weighted, into a sink's shared output itself (a worker
   * thread does, in parallel with the others), instead of returning it.
   */
  accumulateInto?: (
    lr: Float32Array,
    height: number,
    width: number,
    bands: number,
    out: SharedOutput,
    window: Window,
    wy: Float32Array,
    wx: Float32Array,
  ) => Promise<void>;
};

export interface TiledOptions {
  scale: number;
  /** LR tile edge, or [height, width]; default: the largest whose HR tile fits 128 MiB (defaultTileEdge). */
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

/**
 * The default LR tile edge: the largest multiple of 8 (32 to 128) whose HR tile, `(edge*scale)^2 *
 * bands` float32 samples, fits `budgetBytes` (default 128 MiB): 128 for 128 bands at x4 (or fewer
 * bands), 96 for 224. Bigger tiles recompute less of their overlap (a 128x128 cube took 9 tiles
 * of 54 at edge 64, 1.6x the work, and 2 of 72x128 at edge 128, 1.1x); each worker holds about
 * one HR tile.
 */
export function defaultTileEdge(bands: number, scale: number, budgetBytes = 128 * 2 ** 20): number {
  const edge = Math.sqrt(budgetBytes / (4 * Math.max(1, bands))) / Math.max(1, scale);
  return Math.min(128, Math.max(32, Math.floor(edge / 8) * 8));
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
  opts: {
    tile?: number | [number, number];
    overlap?: number;
    concurrency?: number;
    /** Bands and scale give the default tile (defaultTileEdge); without them it is 64. */
    bands?: number;
    scale?: number;
  } = {},
): TilePlan {
  const edge =
    opts.bands !== undefined && opts.scale !== undefined
      ? defaultTileEdge(opts.bands, opts.scale)
      : 64;
  const [tileH, tileW] = Array.isArray(opts.tile)
    ? opts.tile
    : [opts.tile ?? edge, opts.tile ?? edge];
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

/** The LR rows [first, end) of a tile whose HR rows (scale s) have nonzero blend weight. */
export function weightedRows(wy: Float32Array, scale: number): [number, number] {
  let first = -1;
  let last = -1;
  for (let y = 0; y < wy.length; y++)
    if (wy[y] !== 0) {
      if (first < 0) first = y;
      last = y;
    }
  if (first < 0) return [0, Math.ceil(wy.length / scale)];
  return [Math.floor(first / scale), Math.floor(last / scale) + 1];
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
  const plan = planTiles(source.rows, source.cols, { ...options, bands: source.bands });
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
      const hrWin: Window = { row: ys[i] * s, col: xs[j] * s, height: th * s, width: tw * s };
      const shared = sink.shared;
      if (shared && runner.accumulateInto) {
        if (
          shared.rows !== source.rows * s ||
          shared.cols !== source.cols * s ||
          shared.bands !== source.bands
        )
          throw new RangeError(
            `the sink holds ${shared.rows}x${shared.cols}x${shared.bands}; the x${s} output is ${source.rows * s}x${source.cols * s}x${source.bands}`,
          );
        // The runner's thread adds the tile itself, under row locks: no hand-over, no serial add.
        await runner.accumulateInto(lr, th, tw, source.bands, shared, hrWin, wy[i], wx[j]);
      } else {
        const hr = await runner(lr, th, tw, source.bands, weightedRows(wy[i], s));
        if (hr.length !== th * s * tw * s * source.bands)
          throw new RangeError(
            `the model returned ${hr.length} values for a ${th}x${tw}x${source.bands} tile; expected x${s} (${th * s}x${tw * s}x${source.bands})`,
          );
        sinkChain = sinkChain.then(() => sink.accumulate(hrWin, hr, wy[i], wx[j]));
        await sinkChain;
      }
      onProgress?.(++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  await sinkChain;
}

/** Node, or a cross-origin isolated page: SharedArrayBuffer and Atomics.wait on this thread. */
const canShare =
  typeof SharedArrayBuffer !== 'undefined' &&
  typeof Atomics !== 'undefined' &&
  typeof process !== 'undefined' &&
  !!process.versions?.node;

/**
 * An in-memory sink: the whole HR cube as BIP float32 (fine for scenes that fit in memory). In
 * Node it lives in shared memory (see TileSink.shared), so worker threads add their tiles into it
 * directly; `shared: false` keeps it in an ordinary ArrayBuffer.
 */
export class MemorySink implements TileSink {
  readonly data: Float32Array;
  readonly shared?: SharedOutput;
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly bands: number,
    options: { shared?: boolean } = {},
  ) {
    const n = rows * cols * bands;
    if (options.shared ?? canShare) {
      this.data = new Float32Array(new SharedArrayBuffer(4 * n));
      const locks = new Int32Array(new SharedArrayBuffer(4 * rows));
      this.shared = { rows, cols, bands, data: this.data, locks };
    } else {
      this.data = new Float32Array(n);
    }
  }
  async accumulate(
    win: Window,
    data: Float32Array,
    wy: Float32Array,
    wx: Float32Array,
  ): Promise<void> {
    if (this.shared) {
      accumulateShared(this.shared, win, data, wy, wx);
      return;
    }
    const b = this.bands;
    for (let y = 0; y < win.height; y++) {
      if (wy[y] === 0) continue;
      addRow(
        this.data,
        ((win.row + y) * this.cols + win.col) * b,
        data,
        y * win.width * b,
        wy[y],
        wx,
        win.width,
        b,
      );
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
