// A picture of a cube on a canvas, scaled up with crisp pixels, with a marker on the chosen point.
// Points are fractions of the image (0..1), so the same place can be marked on LR and SR views.
import type { RgbImage } from '@hsrkit/hsi-data';
import { h } from './dom.js';

export interface Point {
  /** Fractions of the image height and width, in [0, 1). */
  v: number;
  u: number;
}

export class ImageCanvas {
  readonly root: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly marker: HTMLDivElement;

  constructor(
    label: string,
    private readonly onPick?: (p: Point) => void,
  ) {
    this.canvas = h('canvas', { class: 'pixels', 'aria-label': label });
    this.marker = h('div', { class: 'marker', hidden: true });
    this.root = h('div', { class: 'image-canvas' }, this.canvas, this.marker);
    this.canvas.addEventListener('click', (e) => {
      const r = this.canvas.getBoundingClientRect();
      const p = {
        u: Math.min(0.999999, Math.max(0, (e.clientX - r.left) / r.width)),
        v: Math.min(0.999999, Math.max(0, (e.clientY - r.top) / r.height)),
      };
      this.mark(p);
      this.onPick?.(p);
    });
  }

  draw(image: RgbImage): void {
    this.canvas.width = image.width;
    this.canvas.height = image.height;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context');
    ctx.putImageData(
      new ImageData(new Uint8ClampedArray(image.data), image.width, image.height),
      0,
      0,
    );
  }

  /** Shows the marker at the centre of the image pixel holding `p`. */
  mark(p: Point | undefined): void {
    this.marker.hidden = !p || this.canvas.width === 0;
    if (!p || this.canvas.width === 0) return;
    const { width, height } = this.canvas;
    const x = (Math.floor(p.u * width) + 0.5) / width;
    const y = (Math.floor(p.v * height) + 0.5) / height;
    this.marker.style.left = `${x * 100}%`;
    this.marker.style.top = `${y * 100}%`;
  }
}

/** The pixel of a rows x cols image that holds the point. */
export function pixelAt(p: Point, rows: number, cols: number): { row: number; col: number } {
  return { row: Math.floor(p.v * rows), col: Math.floor(p.u * cols) };
}
