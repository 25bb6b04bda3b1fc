import * as tf from '@tensorflow/tfjs';
import { axisBlendWeights } from './seam-blend.js';
import type { SharedOutput, TileSink, TileSource, Window } from './tile-sink.js';
import { planTiles, weightedRows } from './tile-plan.js';

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
