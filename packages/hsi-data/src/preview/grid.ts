import { HsiConfigError, HsiShapeError } from '../errors.js';
import type { RgbImage } from './false-color.js';

export interface GridOptions {
  /** Images per row (default: all in one row). */
  columns?: number;
  /** Border in pixels around and between cells (default 4). */
  border?: number;
  /** Border and padding colour, RGB (default white). */
  background?: [number, number, number];
  /**
   * `nearest` (default) enlarges each image by the largest whole factor that fits the cell (so a
   * x4 LR patch shows at the size of its HR twin, pixels kept square); `none` keeps sizes.
   * Images are centred in their cells.
   */
  upscale?: 'nearest' | 'none';
}

/**
 * Composes images side by side (or in a grid) with plain borders and no labels: the
 * "LR / bicubic / SR / GT" picture. Cells are the size of the largest image.
 */
export function composeGrid(images: RgbImage[], opts: GridOptions = {}): RgbImage {
  if (images.length === 0) throw new HsiShapeError('composeGrid: no images');
  images.forEach((im, i) => {
    if (im.data.length !== im.width * im.height * 4)
      throw new HsiShapeError(
        `composeGrid: image ${i} is ${im.width} x ${im.height} but has ${im.data.length} bytes`,
      );
  });
  const columns = opts.columns ?? images.length;
  const border = opts.border ?? 4;
  if (!Number.isInteger(columns) || columns < 1)
    throw new HsiConfigError('columns', `must be an integer >= 1, got ${columns}`);
  if (!Number.isInteger(border) || border < 0)
    throw new HsiConfigError('border', `must be an integer >= 0, got ${border}`);
  const [br, bg, bb] = opts.background ?? [255, 255, 255];
  const cellW = Math.max(...images.map((im) => im.width));
  const cellH = Math.max(...images.map((im) => im.height));
  const gridRows = Math.ceil(images.length / columns);
  const gridCols = Math.min(columns, images.length);
  const width = gridCols * cellW + (gridCols + 1) * border;
  const height = gridRows * cellH + (gridRows + 1) * border;
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    out[i * 4] = br;
    out[i * 4 + 1] = bg;
    out[i * 4 + 2] = bb;
    out[i * 4 + 3] = 255;
  }
  images.forEach((im, idx) => {
    const f =
      (opts.upscale ?? 'nearest') === 'nearest'
        ? Math.max(1, Math.min(Math.floor(cellW / im.width), Math.floor(cellH / im.height)))
        : 1;
    const w = im.width * f;
    const h = im.height * f;
    const x0 = border + (idx % columns) * (cellW + border) + Math.floor((cellW - w) / 2);
    const y0 = border + Math.floor(idx / columns) * (cellH + border) + Math.floor((cellH - h) / 2);
    for (let y = 0; y < h; y++) {
      const srcRow = Math.floor(y / f) * im.width;
      const dstRow = (y0 + y) * width + x0;
      for (let x = 0; x < w; x++) {
        const s = (srcRow + Math.floor(x / f)) * 4;
        const d = (dstRow + x) * 4;
        out[d] = im.data[s];
        out[d + 1] = im.data[s + 1];
        out[d + 2] = im.data[s + 2];
        out[d + 3] = im.data[s + 3];
      }
    }
  });
  return { width, height, data: out };
}
