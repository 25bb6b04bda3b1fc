// Which tiles a tiled run uses (docs/ARCHITECTURE.md, "Data flow"): start offsets along an axis,
// the default tile edge, the plan for a whole cube, and the rows of a tile that blending uses.

/** Start offsets of tiles of `tile` samples covering [0, length), neighbours sharing >= `overlap`. */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (!Number.isInteger(tile) || tile < 1)
    throw new RangeError(`tile must be a positive integer, got ${tile}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= tile)
    throw new RangeError(
      `overlap must be an integer in [0, tile), got ${overlap} for tile ${tile}`,
    );
  if (tile >= length) return [0];
  const step = tile - overlap;
  const starts: number[] = [];
  for (let s = 0; s + tile < length; s += step) starts.push(s);
  starts.push(length - tile); // the last tile ends on the edge (it may overlap its neighbour more)
  return starts;
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

/**
 * Tile passes (tiles, times 8 under the self-ensemble) each worker thread must get for starting it
 * to pay: a thread loads its own TF.js, wasm and model copy, about 2 s on a 2-core Xeon, which is
 * 1-2 tiles of the any-band model. Measured with `lkca upscale --model lkca-any-band-x4` (x4, 31
 * bands): 64 x 64 (1 tile) 1.4 s on one thread vs 2.7 s on two; 128 x 128 (4 tiles) 5.3 vs 5.7 s;
 * 512 x 512 on two threads 1.75x faster (bench/results/tiled-memory.json of lkca-net).
 */
export const MIN_TILE_PASSES_PER_WORKER = 4;

/**
 * Worker threads worth starting for a rows x cols cube: one per MIN_TILE_PASSES_PER_WORKER tile
 * passes of its plan (as one thread would run it), at least 1, at most `maxWorkers`, and never
 * more than its tiles. That last cap keeps planTiles from cutting tiles for the threads, so the
 * tiling, and with it the output (LKCA-Net's channel attention pools over a tile), is the same
 * on a machine of any core count: the self-ensemble's 8 passes of a tile run one after another.
 */
export function workersForCube(
  rows: number,
  cols: number,
  opts: {
    maxWorkers: number;
    tile?: number | [number, number];
    overlap?: number;
    bands?: number;
    scale?: number;
    selfEnsemble?: boolean;
  },
): { workers: number; tilePasses: number } {
  const plan = planTiles(rows, cols, { ...opts, concurrency: 1 });
  const tiles = plan.rowStarts.length * plan.colStarts.length;
  const tilePasses = tiles * (opts.selfEnsemble ? 8 : 1);
  const workers = Math.max(
    1,
    Math.min(
      Math.floor(opts.maxWorkers),
      Math.floor(tilePasses / MIN_TILE_PASSES_PER_WORKER),
      tiles,
    ),
  );
  return { workers, tilePasses };
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
