import {
  accumulateShared,
  blendTileRow,
  type SharedOutput,
  type TileSink,
  type TileSource,
  type Window,
} from './tile-sink.js';

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

  async accumulate(win: Window, tile: Float32Array, wy: Float32Array, wx: Float32Array) {
    if (this.shared) return accumulateShared(this.shared, win, tile, wy, wx);
    for (let y = 0; y < win.height; y++)
      if (wy[y] !== 0)
        blendTileRow(
          this.data,
          ((win.row + y) * this.cols + win.col) * this.bands,
          tile,
          y,
          wy,
          wx,
          this.bands,
        );
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
