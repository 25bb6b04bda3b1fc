// 1. Open a cube: file picker (or the embedded sample), its shape, wavelengths, storage and
// no-data, a zoomable view (false colour or one band, with a stretch), a hover readout, and the
// spectrum of the clicked pixel with pinned spectra (CSV export). Opening is refused while the
// worker runs tiles, so a result can never mix two cubes.
import { pickRgbBands } from '@hsrkit/hsi-data';
import { describeError, PlaygroundInputError } from '../errors.js';
import { CUBE_ACCEPT, type OpenedCube, openCube, pickedFiles } from '../open-cube.js';
import { fetchSample, SAMPLE_LR } from '../sample.js';
import { pinLabel, pinSpectrum, spectraCsv, valueLabel } from '../spectra-export.js';
import type { Pin, Store } from '../store.js';
import { byId, fmt, h } from '../ui/dom.js';
import { ImageCanvas, type Point, pixelAt } from '../ui/image-canvas.js';
import { DEFAULT_STRETCH, displayBands, renderImage, stretchLimits } from '../ui/render.js';
import { spectrumAt, spectrumSvg } from '../ui/spectrum-plot.js';
import { ViewControls } from '../ui/view-controls.js';

const PIN_COLORS = ['#c0262d', '#1a8a3a', '#8a3ac0', '#c07a1a', '#1a8ac0', '#555'];

/** The view of an opened cube: its display samples (NaN = no-data) as a BIP image. */
export const viewOf = (c: OpenedCube) => ({
  rows: c.cube.rows,
  cols: c.cube.cols,
  bands: c.cube.bands,
  data: c.view,
});

/** RGB bands for the cube: nearest 640/550/460 nm, moved to the nearest good band if bad. */
function defaultBands(c: OpenedCube): [number, number, number] {
  const good = c.mask.goodBands;
  return pickRgbBands(c.cube).map((b) =>
    good.length && !good.includes(b)
      ? good.reduce((a, g) => (Math.abs(g - b) < Math.abs(a - b) ? g : a))
      : b,
  ) as [number, number, number];
}

/** One line saying which bands and samples are not data. */
function noDataText(c: OpenedCube): string {
  const { mask } = c;
  const list = (reason: string) =>
    mask.badBands.flatMap((r, b) => (r === reason ? [b] : [])).join(', ');
  const parts: string[] = [];
  parts.push(
    mask.noDataValue === undefined ? 'no no-data value' : `no-data value ${mask.noDataValue}`,
  );
  const bbl = list('bbl');
  if (bbl) parts.push(`bad bands (bbl = 0): ${bbl}`);
  const empty = list('no-data');
  if (empty) parts.push(`bands with no valid sample: ${empty}`);
  if (mask.missingSamples)
    parts.push(`${fmt(mask.missingSamples, 0)} no-data samples in the other bands`);
  if (bbl || empty) parts.push('masked in plots and in the network input, no-data in the download');
  return parts.join('; ');
}

export function cubePanel(store: Store): void {
  const input = byId<HTMLInputElement>('cube-input');
  input.accept = CUBE_ACCEPT;
  const sampleButton = byId<HTMLButtonElement>('sample-button');
  const error = byId('cube-error');
  const info = byId('cube-info');
  const readout = byId('cube-readout');
  const spectrum = byId('cube-spectrum');
  const pinButton = byId<HTMLButtonElement>('pin-spectrum');
  const clearPins = byId<HTMLButtonElement>('clear-pins');
  // A plain link (href set once there are pins), made here: index.html has no href to give it.
  const csvLink = h('a', { id: 'pins-csv', class: 'button' }, 'Pinned spectra as CSV');
  byId('pins-row').append(csvLink);
  const view = new ImageCanvas('view of the cube', {
    onPick: (point) => store.set({ point }),
    onHover: (p) => showReadout(p),
    onRegion: (a, b) => pinRegion(a, b),
  });
  const controls = new ViewControls(
    (display) => store.set({ display }),
    (stretch) => store.set({ stretch }),
  );
  byId('cube-view').append(view.root);
  byId('cube-bands').append(controls.root);

  const showError = (e: unknown) => {
    const { name, message } = describeError(e);
    error.textContent = `${name}: ${message}`;
    error.hidden = false;
  };

  const load = async (
    files: { name: string; blob: Blob }[],
    isSample: boolean,
    variable?: string,
  ) => {
    error.hidden = true;
    try {
      if (store.running)
        throw new PlaygroundInputError(
          `${files.map((f) => f.name).join(', ')}: not opened, super-resolution is running on ${store.state.input?.name}: wait for it or Cancel it first`,
        );
      store.set({ busy: 'reading the cube' });
      const opened = await openCube(files, { variable });
      controls.setBands(opened.cube.bands, opened.cube.wavelengths, opened.cube.wavelengthUnits);
      const display = { mode: 'rgb' as const, bands: defaultBands(opened) };
      controls.display = display;
      store.set({
        input: opened,
        inputIsSample: isSample,
        display,
        stretch: store.state.stretch ?? DEFAULT_STRETCH,
        point: { v: 0.5, u: 0.5 },
        pins: [],
        run: undefined,
        metrics: undefined,
        wald: undefined,
        hr: undefined,
        busy: undefined,
      });
    } catch (e) {
      showError(e);
      if (store.state.busy === 'reading the cube') store.set({ busy: undefined });
    }
  };
  input.addEventListener('change', () => {
    if (input.files?.length) load(pickedFiles(input.files), false);
    input.value = '';
  });
  sampleButton.addEventListener('click', async () => {
    error.hidden = true; // at once: the fetch takes a moment
    await load(await fetchSample(SAMPLE_LR), true);
  });

  function showReadout(p: Point | undefined): void {
    const s = store.state;
    if (!p || !s.input || !s.display) {
      readout.textContent = '';
      return;
    }
    const { cube, view: values } = s.input;
    const { row, col } = pixelAt(p, cube.rows, cube.cols);
    const unit =
      cube.wavelengthUnits && /nano/i.test(cube.wavelengthUnits)
        ? 'nm'
        : (cube.wavelengthUnits ?? '');
    const parts = displayBands(s.display).map((b) => {
      const v = values[(row * cube.cols + col) * cube.bands + b];
      const wl = cube.wavelengths?.[b];
      return `band ${b}${wl !== undefined ? ` (${fmt(wl)} ${unit})`.replace(' )', ')') : ''}: ${Number.isFinite(v) ? fmt(v, 5) : 'no-data'}`;
    });
    readout.textContent = `row ${row}, col ${col} · ${parts.join(' · ')}`;
  }

  pinButton.addEventListener('click', () => {
    const { input: opened, point, pins = [] } = store.state;
    if (!opened || !point) return;
    const { row, col } = pixelAt(point, opened.cube.rows, opened.cube.cols);
    if (!pins.some((p) => p.row === row && p.col === col))
      store.set({ pins: [...pins, { row, col }] });
  });
  clearPins.addEventListener('click', () => store.set({ pins: [] }));

  /** Pins the mean spectrum of the pixels between two corners (Shift + drag). */
  function pinRegion(a: Point, b: Point): void {
    const { input: opened, pins = [] } = store.state;
    if (!opened) return;
    const p = pixelAt(a, opened.cube.rows, opened.cube.cols);
    const q = pixelAt(b, opened.cube.rows, opened.cube.cols);
    const row = Math.min(p.row, q.row);
    const col = Math.min(p.col, q.col);
    const region = {
      row,
      col,
      rows: Math.abs(p.row - q.row) + 1,
      cols: Math.abs(p.col - q.col) + 1,
    };
    store.set({ pins: [...pins, region] });
  }

  const csv = (opened: OpenedCube, pins: Pin[]) => {
    if (csvLink.href) URL.revokeObjectURL(csvLink.href);
    csvLink.removeAttribute('href');
    if (!pins.length) return;
    const text = spectraCsv(opened.cube, opened.mask, pins);
    csvLink.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    csvLink.download = `${opened.name.replace(/\.[^.]*$/, '')}_spectra.csv`;
  };

  store.on((s, changed) => {
    const running = store.running;
    input.disabled = running;
    sampleButton.disabled = running;
    input.closest('label')?.classList.toggle('disabled', running);
    if (!s.input) return;
    const opened = s.input;
    const { cube, name, format, sampleType, interleave } = opened;
    if (changed.has('input')) {
      const wl = cube.wavelengths;
      const fields: [string, string | Node][] = [
        ['file', name],
        ['format', `${format}, ${sampleType}, ${interleave.toUpperCase()}`],
        ['shape', `${cube.rows} rows x ${cube.cols} cols x ${cube.bands} bands`],
        [
          'wavelengths',
          wl?.length
            ? `${fmt(wl[0])} - ${fmt(wl[wl.length - 1])} ${cube.wavelengthUnits ?? ''}`
            : 'none in the file',
        ],
        ['no-data', noDataText(opened)],
      ];
      if (opened.variable) {
        const vars = opened.variables ?? [];
        const what = opened.format === 'HDF5' ? 'dataset' : 'variable';
        const chooser =
          vars.length > 1
            ? h(
                'select',
                {
                  id: 'mat-variable',
                  'aria-label': opened.format === 'HDF5' ? 'HDF5 dataset' : 'MAT variable',
                  onchange: (e: Event) =>
                    load(opened.files, !!s.inputIsSample, (e.target as HTMLSelectElement).value),
                },
                ...vars.map((v) =>
                  h(
                    'option',
                    { value: v.name, selected: v.name === opened.variable },
                    `${v.name} (${v.dims.join(' x ')})`,
                  ),
                ),
              )
            : undefined;
        fields.push([
          what,
          chooser
            ? h('span', {}, `${opened.variable} (of ${vars.length} 3-D ${what}s) `, chooser)
            : opened.variable,
        ]);
      }
      info.replaceChildren(
        ...fields.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-field': k }, v)]),
      );
    }
    if (
      (changed.has('input') || changed.has('display') || changed.has('stretch')) &&
      s.display &&
      s.stretch
    ) {
      const img = viewOf(opened);
      const limits = stretchLimits(img, s.display, s.stretch);
      controls.showLimits(limits);
      view.draw(renderImage(img, s.display, limits));
      view.mark(s.point);
    }
    if (changed.has('input') || changed.has('point') || changed.has('pins')) {
      view.mark(s.point);
      if (changed.has('pins') || changed.has('input')) csv(opened, s.pins ?? []);
      if (!s.point) return;
      const { row, col } = pixelAt(s.point, cube.rows, cube.cols);
      const img = viewOf(opened);
      const series = [
        { label: `(${row}, ${col})`, color: '#1f5fbf', values: spectrumAt(img, row, col) },
        ...(s.pins ?? []).map((p, k) => ({
          label: (p.rows ?? 1) * (p.cols ?? 1) > 1 ? pinLabel(p) : `pin (${p.row}, ${p.col})`,
          color: PIN_COLORS[k % PIN_COLORS.length],
          values: pinSpectrum(cube, opened.mask, p),
          dash: '4 2',
        })),
      ];
      spectrum.innerHTML = spectrumSvg(series, {
        wavelengths: cube.wavelengths,
        units: cube.wavelengthUnits,
        title: `pixel row ${row}, col ${col}`,
        yLabel: valueLabel(cube),
        masked: opened.mask.badBands,
      });
    }
  });
}
