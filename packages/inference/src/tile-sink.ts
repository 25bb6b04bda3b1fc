// Where tiles come from and where weighted HR tiles go (docs/ARCHITECTURE.md, "Data flow"), and
// the one row-blending loop every sink uses.

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
 * Adds row `y` of a weighted tile into `dst` at `offset` (the output sample where the tile's row
 * starts): `dst[offset + x*b + k] += wy[y] * wx[x] * tile[(y*width + x)*b + k]`, except that runs
 * of weight 1 are copied. Tile weights add up to 1 at every sample, so where a tile's weight is 1
 * no other tile adds anything (they skip weight 0) and the sample is that tile's value: a memcpy
 * instead of a JS loop for the bulk of every tile.
 */
export function blendTileRow(
  dst: Float32Array,
  offset: number,
  tile: Float32Array,
  y: number,
  wy: Float32Array,
  wx: Float32Array,
  bands: number,
): void {
  const width = wx.length;
  const b = bands;
  const i = y * width * b;
  const wRow = wy[y];
  let x = 0;
  while (x < width) {
    const w = wRow * wx[x];
    if (w === 1) {
      let end = x + 1;
      while (end < width && wRow * wx[end] === 1) end++;
      dst.set(tile.subarray(i + x * b, i + end * b), offset + x * b);
      x = end;
      continue;
    }
    if (w !== 0) {
      const d = offset + x * b;
      const s = i + x * b;
      for (let k = 0; k < b; k++) dst[d + k] += w * tile[s + k];
    }
    x++;
  }
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
      blendTileRow(out.data, (row * out.cols + win.col) * out.bands, data, y, wy, wx, out.bands);
    } finally {
      Atomics.store(locks, row, 0);
      Atomics.notify(locks, row, 1);
    }
  }
}
