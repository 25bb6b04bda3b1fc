// Two pictures of the same place on top of each other (bicubic or the ground truth under SR, or
// their error maps); a slider moves the split between them. Both zoom and pan together.
import type { RgbImage } from '@hsrkit/hsi-data';
import { h } from './dom.js';
import { ImageCanvas, type Point, ViewZoom } from './image-canvas.js';

export class CompareView {
  readonly root: HTMLDivElement;
  readonly left: ImageCanvas;
  readonly right: ImageCanvas;
  readonly slider: HTMLInputElement;
  private readonly stack: HTMLDivElement;
  private readonly divider: HTMLDivElement;
  private readonly labels: [HTMLSpanElement, HTMLSpanElement];

  constructor(
    leftLabel: string,
    rightLabel: string,
    onPick: (p: Point) => void,
    onHover?: (p: Point | undefined) => void,
  ) {
    const pick = (p: Point) => {
      this.left.mark(p);
      this.right.mark(p);
      onPick(p);
    };
    const zoom = new ViewZoom();
    this.left = new ImageCanvas(leftLabel, { onPick: pick, onHover, zoom });
    this.right = new ImageCanvas(rightLabel, { onPick: pick, onHover, zoom });
    this.right.root.classList.add('compare-top');
    this.slider = h('input', {
      type: 'range',
      min: 0,
      max: 100,
      value: 50,
      'aria-label': `split between ${leftLabel} and ${rightLabel}`,
      oninput: () => this.split(Number(this.slider.value)),
    });
    this.divider = h('div', { class: 'compare-divider' });
    this.labels = [
      h('span', { class: 'compare-label left' }, leftLabel),
      h('span', { class: 'compare-label right' }, rightLabel),
    ];
    this.stack = h(
      'div',
      { class: 'compare-stack' },
      this.left.root,
      this.right.root,
      this.divider,
      ...this.labels,
    );
    this.root = h('div', { class: 'compare' }, this.stack, this.slider);
    this.split(50);
  }

  /** Percent of the width, from the left, showing the left image. */
  split(percent: number): void {
    this.right.root.style.clipPath = `inset(0 0 0 ${percent}%)`;
    this.divider.style.left = `${percent}%`;
  }

  draw(left: RgbImage, right: RgbImage, labels?: [string, string]): void {
    this.left.draw(left);
    this.right.draw(right);
    const { width, height } = this.left.displaySize;
    this.stack.style.width = `${width}px`;
    this.stack.style.height = `${height}px`;
    this.root.style.width = `${width}px`;
    if (labels)
      labels.forEach((l, i) => {
        this.labels[i].textContent = l;
      });
  }

  mark(p: Point | undefined): void {
    this.left.mark(p);
    this.right.mark(p);
  }
}
