import { promises as fs } from 'node:fs';
import { blendTileRow, type TileSink, type Window } from './tile-sink.js';

/**
 * A sink that accumulates weighted tiles straight into a float32 BIP raw file (read, add, write
 * back, row by row), so memory stays bounded by one tile whatever the scene size. The finished file
 * is a valid ENVI BIP float32 data file.
 */
export class Float32FileSink implements TileSink {
  private constructor(
    readonly path: string,
    private readonly handle: fs.FileHandle,
    readonly rows: number,
    readonly cols: number,
    readonly bands: number,
  ) {}

  /**
   * A new sink file at `path`, created exclusively (`wx+`: fails if anything, a symlink included,
   * is already there, so no other file is ever written through it).
   */
  static async create(
    path: string,
    rows: number,
    cols: number,
    bands: number,
  ): Promise<Float32FileSink> {
    const handle = await fs.open(path, 'wx+');
    try {
      return await Float32FileSink.onHandle(handle, path, rows, cols, bands);
    } catch (e) {
      await handle.close();
      await fs.rm(path, { force: true });
      throw e;
    }
  }

  /** A sink over a file the caller created (empty, open read-write); the sink closes it. */
  static async onHandle(
    handle: fs.FileHandle,
    path: string,
    rows: number,
    cols: number,
    bands: number,
  ): Promise<Float32FileSink> {
    // A sparse file of zeros: the first accumulation into a window reads zeros.
    await handle.truncate(rows * cols * bands * 4);
    return new Float32FileSink(path, handle, rows, cols, bands);
  }

  async accumulate(win: Window, tile: Float32Array, wy: Float32Array, wx: Float32Array) {
    const rowFloats = win.width * this.bands;
    const row = new Float32Array(rowFloats);
    const bytes = new Uint8Array(row.buffer);
    // Where every weight of a row is 1 the tile is that row's only contributor (weights add up
    // to 1 and other tiles skip weight 0): the row is written as it is, without reading it back.
    const fullCols = wx.every((v) => v === 1);
    for (let y = 0; y < win.height; y++) {
      if (wy[y] === 0) continue;
      const pos = ((win.row + y) * this.cols + win.col) * this.bands * 4;
      if (fullCols && wy[y] === 1) {
        const own = tile.subarray(y * rowFloats, (y + 1) * rowFloats);
        await this.handle.write(
          new Uint8Array(own.buffer, own.byteOffset, own.byteLength),
          0,
          own.byteLength,
          pos,
        );
        continue;
      }
      await this.handle.read(bytes, 0, bytes.byteLength, pos);
      blendTileRow(row, 0, tile, y, wy, wx, this.bands);
      await this.handle.write(bytes, 0, bytes.byteLength, pos);
    }
  }

  /** Reads rows [row, row + count) back (BIP float32). */
  async readRows(row: number, count: number): Promise<Float32Array> {
    const out = new Float32Array(count * this.cols * this.bands);
    await this.handle.read(
      new Uint8Array(out.buffer),
      0,
      out.byteLength,
      row * this.cols * this.bands * 4,
    );
    return out;
  }

  /** Overwrites rows [row, row + data.length / (cols * bands)) with `data` (BIP float32). */
  async writeRows(row: number, data: Float32Array): Promise<void> {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let done = 0;
    const pos = row * this.cols * this.bands * 4;
    while (done < bytes.byteLength) {
      const { bytesWritten } = await this.handle.write(
        bytes,
        done,
        bytes.byteLength - done,
        pos + done,
      );
      done += bytesWritten;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
