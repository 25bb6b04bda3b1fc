// Bicubic and SR on top of each other; a slider moves the split between them.
import type { RgbImage } from '@hsrkit/hsi-data';
import { h } from './dom.js';
import { ImageCanvas, type Point } from './image-canvas.js';

export class CompareView {
  readonly root: HTMLDivElement;
  readonly left: ImageCanvas;
  readonly right: ImageCanvas;
  readonly slider: HTMLInputElement;
  private readonly divider: HTMLDivElement;

  constructor(leftLabel: string, rightLabel: string, onPick: (p: Point) => void) {
    const pick = (p: Point) => {
      this.left.mark(p);
      this.right.mark(p);
      onPick(p);
    };
    this.left = new ImageCanvas(leftLabel, pick);
    this.right = new ImageCanvas(rightLabel, pick);
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
    this.root = h(
      'div',
      { class: 'compare' },
      h(
        'div',
        { class: 'compare-stack' },
        this.left.root,
        this.right.root,
        this.divider,
        h('span', { class: 'compare-label left' }, leftLabel),
        h('span', { class: 'compare-label right' }, rightLabel),
      ),
      this.slider,
    );
    this.split(50);
  }

  /** Percent of the width, from the left, showing the left image. */
  split(percent: number): void {
    this.right.root.style.clipPath = `inset(0 0 0 ${percent}%)`;
    this.divider.style.left = `${percent}%`;
  }

  draw(left: RgbImage, right: RgbImage): void {
    this.left.draw(left);
    this.right.draw(right);
  }

  mark(p: Point | undefined): void {
    this.left.mark(p);
    this.right.mark(p);
  }
}
