// Three selects (R, G, B) listing the cube's bands with their wavelengths.
import { h } from './dom.js';

export class BandPicker {
  readonly root: HTMLDivElement;
  private readonly selects: HTMLSelectElement[];

  constructor(private readonly onChange: (bands: [number, number, number]) => void) {
    this.selects = ['R', 'G', 'B'].map((c) =>
      h('select', {
        'aria-label': `${c} band`,
        'data-channel': c,
        onchange: () => this.onChange(this.value),
      }),
    );
    this.root = h(
      'div',
      { class: 'band-picker' },
      ...this.selects.map((s, i) =>
        h('label', { class: `channel channel-${'rgb'[i]}` }, ['R', 'G', 'B'][i], s),
      ),
    );
  }

  setBands(count: number, wavelengths: number[] | undefined, units: string | undefined): void {
    const unit = units && /nano/i.test(units) ? 'nm' : (units ?? '');
    for (const s of this.selects)
      s.replaceChildren(
        ...Array.from({ length: count }, (_, b) =>
          h(
            'option',
            { value: b },
            wavelengths ? `${b}: ${wavelengths[b]} ${unit}`.trim() : `band ${b}`,
          ),
        ),
      );
  }

  set value(bands: [number, number, number]) {
    bands.forEach((b, i) => {
      this.selects[i].value = String(b);
    });
  }

  get value(): [number, number, number] {
    return this.selects.map((s) => Number(s.value)) as [number, number, number];
  }
}
