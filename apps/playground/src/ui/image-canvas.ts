// A picture of a cube on a canvas, scaled up with crisp pixels and its aspect ratio kept (the
// long side fills the box), with a marker on the chosen point. The wheel zooms about the cursor,
// a drag pans, a double-click resets; views that share a `ViewZoom` move together. Points are
// fractions of the image (0..1), so the same place can be marked on LR and SR views.
import type { RgbImage } from '@hsrkit/hsi-data';
import { h } from './dom.js';

export interface Point {
  /** Fractions of the image height and width, in [0, 1). */
  v: number;
  u: number;
}

/** Side of the box (CSS px) a picture's long side fills. */
export const VIEW_BOX = 384;
export const MAX_ZOOM = 32;

/** The on-screen size of a rows x cols picture: the long side VIEW_BOX, the aspect ratio kept. */
export function fitBox(
  rows: number,
  cols: number,
  box = VIEW_BOX,
): { width: number; height: number } {
  const k = box / Math.max(rows, cols);
  return { width: Math.max(1, Math.round(cols * k)), height: Math.max(1, Math.round(rows * k)) };
}

/** Zoom and pan shared by the views that show the same place (the two sides of the compare view). */
export class ViewZoom {
  scale = 1;
  /** Offset of the picture's top-left from the view's, in CSS px (<= 0). */
  x = 0;
  y = 0;
  private readonly listeners: (() => void)[] = [];

  on(f: () => void): void {
    this.listeners.push(f);
  }

  /** Zooms by `factor` about (cx, cy), a point of a `width` x `height` view; keeps the picture covering it. */
  zoomAt(factor: number, cx: number, cy: number, width: number, height: number): void {
    const scale = Math.min(MAX_ZOOM, Math.max(1, this.scale * factor));
    this.x = cx - ((cx - this.x) / this.scale) * scale;
    this.y = cy - ((cy - this.y) / this.scale) * scale;
    this.scale = scale;
    this.clamp(width, height);
  }

  panBy(dx: number, dy: number, width: number, height: number): void {
    this.x += dx;
    this.y += dy;
    this.clamp(width, height);
  }

  reset(): void {
    Object.assign(this, { scale: 1, x: 0, y: 0 });
    this.changed();
  }

  private clamp(width: number, height: number): void {
    this.x = Math.min(0, Math.max(width - width * this.scale, this.x));
    this.y = Math.min(0, Math.max(height - height * this.scale, this.y));
    this.changed();
  }

  private changed(): void {
    for (const f of this.listeners) f();
  }
}

export interface ImageCanvasOptions {
  onPick?: (p: Point) => void;
  /** The point under the mouse, or undefined when it leaves. */
  onHover?: (p: Point | undefined) => void;
  /** A rectangle drawn with Shift + drag: its two corners. */
  onRegion?: (a: Point, b: Point) => void;
  zoom?: ViewZoom;
}

export class ImageCanvas {
  readonly root: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  readonly zoom: ViewZoom;
  private readonly stage: HTMLDivElement;
  private readonly marker: HTMLDivElement;
  private readonly regionBox: HTMLDivElement;
  private point: Point | undefined;
  private size = { width: VIEW_BOX, height: VIEW_BOX };

  constructor(
    label: string,
    private readonly opts: ImageCanvasOptions = {},
  ) {
    this.zoom = opts.zoom ?? new ViewZoom();
    this.canvas = h('canvas', { class: 'pixels', 'aria-label': label });
    this.stage = h('div', { class: 'stage' }, this.canvas);
    this.marker = h('div', { class: 'marker', hidden: true });
    this.regionBox = h('div', { class: 'region-box', hidden: true });
    this.root = h('div', { class: 'image-canvas' }, this.stage, this.marker, this.regionBox);
    this.zoom.on(() => this.place());
    const pointOf = (e: MouseEvent): Point => {
      const r = this.canvas.getBoundingClientRect();
      return {
        u: Math.min(0.999999, Math.max(0, (e.clientX - r.left) / r.width)),
        v: Math.min(0.999999, Math.max(0, (e.clientY - r.top) / r.height)),
      };
    };
    let drag: { x: number; y: number; moved: boolean } | undefined;
    let region: { start: Point; x: number; y: number } | undefined;
    this.canvas.addEventListener('mousedown', (e) => {
      drag = { x: e.clientX, y: e.clientY, moved: false };
      if (e.shiftKey && this.opts.onRegion) {
        e.preventDefault();
        drag.moved = true; // not a pick, not a pan
        region = { start: pointOf(e), x: e.clientX, y: e.clientY };
      }
    });
    window.addEventListener('mousemove', (e) => {
      if (!region) return;
      const r = this.root.getBoundingClientRect();
      const box = this.regionBox.style;
      box.left = `${Math.min(region.x, e.clientX) - r.left}px`;
      box.top = `${Math.min(region.y, e.clientY) - r.top}px`;
      box.width = `${Math.abs(e.clientX - region.x)}px`;
      box.height = `${Math.abs(e.clientY - region.y)}px`;
      this.regionBox.hidden = false;
    });
    window.addEventListener('mouseup', (e) => {
      if (region) {
        this.regionBox.hidden = true;
        this.opts.onRegion?.(region.start, pointOf(e));
        region = undefined;
      }
      // The click that ends a drag is not a pick (cleared after the click event).
      setTimeout(() => {
        drag = undefined;
      });
    });
    window.addEventListener('mousemove', (e) => {
      if (!drag || region || !(e.buttons & 1)) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      drag.moved = true;
      drag.x = e.clientX;
      drag.y = e.clientY;
      this.zoom.panBy(dx, dy, this.size.width, this.size.height);
    });
    this.canvas.addEventListener('click', (e) => {
      if (drag?.moved) return;
      const p = pointOf(e);
      this.mark(p);
      this.opts.onPick?.(p);
    });
    this.canvas.addEventListener('mousemove', (e) => this.opts.onHover?.(pointOf(e)));
    this.canvas.addEventListener('mouseleave', () => this.opts.onHover?.(undefined));
    this.canvas.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = this.root.getBoundingClientRect();
        this.zoom.zoomAt(
          e.deltaY < 0 ? 1.25 : 0.8,
          e.clientX - r.left,
          e.clientY - r.top,
          this.size.width,
          this.size.height,
        );
      },
      { passive: false },
    );
    this.canvas.addEventListener('dblclick', () => this.zoom.reset());
  }

  /** Draws the picture; the view takes its aspect ratio (long side VIEW_BOX px). */
  draw(image: RgbImage): void {
    if (this.canvas.width !== image.width || this.canvas.height !== image.height) {
      this.canvas.width = image.width;
      this.canvas.height = image.height;
      this.size = fitBox(image.height, image.width);
      this.root.style.width = `${this.size.width}px`;
      this.root.style.height = `${this.size.height}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context');
    ctx.putImageData(
      new ImageData(new Uint8ClampedArray(image.data), image.width, image.height),
      0,
      0,
    );
    this.place();
  }

  get displaySize(): { width: number; height: number } {
    return { ...this.size };
  }

  /** Shows the marker at the centre of the image pixel holding `p`. */
  mark(p: Point | undefined): void {
    this.point = p;
    this.place();
  }

  private place(): void {
    const { scale, x, y } = this.zoom;
    this.stage.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    const p = this.point;
    this.marker.hidden = !p || this.canvas.width === 0;
    if (!p || this.canvas.width === 0) return;
    const { width, height } = this.canvas;
    const fx = (Math.floor(p.u * width) + 0.5) / width;
    const fy = (Math.floor(p.v * height) + 0.5) / height;
    this.marker.style.left = `${x + fx * this.size.width * scale}px`;
    this.marker.style.top = `${y + fy * this.size.height * scale}px`;
  }
}

/** The pixel of a rows x cols image that holds the point. */
export function pixelAt(p: Point, rows: number, cols: number): { row: number; col: number } {
  return { row: Math.floor(p.v * rows), col: Math.floor(p.u * cols) };
}
