// How the cube is drawn: false colour from three bands (R, G, B pickers) or one band in grey
// (a slider over the bands, with its wavelength), and the stretch: percentiles of the valid
// samples or fixed min / max values.
import { BandPicker } from './band-picker.js';
import { fmt, h } from './dom.js';
import type { Display, Limits, Stretch } from './render.js';

export class ViewControls {
  readonly root: HTMLDivElement;
  private readonly mode: HTMLSelectElement;
  private readonly picker: BandPicker;
  private readonly slider: HTMLInputElement;
  private readonly sliderLabel: HTMLSpanElement;
  private readonly stretchKind: HTMLSelectElement;
  private readonly low: HTMLInputElement;
  private readonly high: HTMLInputElement;
  private readonly limitsText: HTMLSpanElement;
  private wavelengths?: number[];
  private lastLimits?: Limits;
  private unit = '';

  constructor(
    private readonly onDisplay: (d: Display) => void,
    private readonly onStretch: (s: Stretch) => void,
  ) {
    this.mode = h(
      'select',
      { id: 'view-mode', 'aria-label': 'view', onchange: () => this.emitDisplay() },
      h('option', { value: 'rgb' }, 'false colour (3 bands)'),
      h('option', { value: 'grey' }, 'one band, grey'),
    );
    this.picker = new BandPicker(() => this.emitDisplay());
    this.slider = h('input', {
      id: 'band-slider',
      type: 'range',
      min: 0,
      max: 0,
      step: 1,
      value: 0,
      'aria-label': 'band',
      oninput: () => this.emitDisplay(),
    });
    this.sliderLabel = h('span', { id: 'band-label', class: 'hint' });
    this.stretchKind = h(
      'select',
      { id: 'stretch-kind', 'aria-label': 'stretch', onchange: () => this.stretchKindChanged() },
      h('option', { value: 'percentile' }, 'percentiles'),
      h('option', { value: 'range' }, 'min / max'),
    );
    const num = (id: string, value: number) =>
      h('input', {
        id,
        type: 'number',
        step: 'any',
        value,
        class: 'stretch-input',
        onchange: () => this.emitStretch(),
      });
    this.low = num('stretch-low', 2);
    this.high = num('stretch-high', 98);
    this.limitsText = h('span', { id: 'stretch-limits', class: 'hint' });
    this.root = h(
      'div',
      { class: 'view-controls' },
      h('div', { class: 'row' }, h('label', {}, 'View', this.mode), this.picker.root),
      h('div', { class: 'row grey-row' }, h('label', {}, 'Band', this.slider), this.sliderLabel),
      h(
        'div',
        { class: 'row' },
        h('label', {}, 'Stretch', this.stretchKind),
        h('label', {}, 'low', this.low),
        h('label', {}, 'high', this.high),
        this.limitsText,
      ),
    );
    this.showMode('rgb');
  }

  setBands(count: number, wavelengths: number[] | undefined, units: string | undefined): void {
    this.picker.setBands(count, wavelengths, units);
    this.wavelengths = wavelengths;
    this.unit = units && /nano/i.test(units) ? 'nm' : (units ?? '');
    this.slider.max = String(count - 1);
  }

  /** Shows `d` in the controls (without emitting). */
  set display(d: Display) {
    this.mode.value = d.mode;
    if (d.mode === 'rgb') this.picker.value = d.bands;
    else this.slider.value = String(d.band);
    this.showMode(d.mode);
  }

  /** The limits in data values the current stretch gave (shown beside the inputs). */
  showLimits(limits: Limits | undefined): void {
    this.lastLimits = limits;
    this.limitsText.textContent = limits
      ? `→ ${limits.low.map((l, i) => `${fmt(l, 4)}..${fmt(limits.high[i], 4)}`).join(', ')}`
      : '';
  }

  private showMode(mode: Display['mode']): void {
    this.picker.root.hidden = mode !== 'rgb';
    (this.slider.closest('.grey-row') as HTMLElement | null)?.toggleAttribute(
      'hidden',
      mode !== 'grey',
    );
    const b = Number(this.slider.value);
    const wl = this.wavelengths?.[b];
    this.sliderLabel.textContent = `band ${b}${wl !== undefined ? ` (${fmt(wl)} ${this.unit})` : ''}`;
  }

  private emitDisplay(): void {
    const mode = this.mode.value as Display['mode'];
    this.showMode(mode);
    this.onDisplay(
      mode === 'rgb'
        ? { mode, bands: this.picker.value }
        : { mode, band: Number(this.slider.value) },
    );
  }

  private stretchKindChanged(): void {
    // Fresh defaults for the other kind: percentiles 2..98; min / max from what is shown now.
    const shown = this.lastLimits;
    if (this.stretchKind.value === 'percentile') {
      this.low.value = '2';
      this.high.value = '98';
    } else if (shown) {
      this.low.value = String(Number(Math.min(...shown.low).toPrecision(6)));
      this.high.value = String(Number(Math.max(...shown.high).toPrecision(6)));
    }
    this.emitStretch();
  }

  private emitStretch(): void {
    const lo = Number(this.low.value);
    const hi = Number(this.high.value);
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) return;
    if (this.stretchKind.value === 'percentile') {
      if (lo < 0 || hi > 100) return;
      this.onStretch({ kind: 'percentile', low: lo, high: hi });
    } else this.onStretch({ kind: 'range', min: lo, max: hi });
  }
}
