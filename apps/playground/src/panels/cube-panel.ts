// 1. Open a cube: file picker (or the embedded sample), its shape and wavelengths, a false-colour
// view with band pickers, and the spectrum of the clicked pixel.
import { falseColor, pickRgbBands } from '@hsrkit/hsi-data';
import { describeError } from '../errors.js';
import { CUBE_ACCEPT, openCube, pickedFiles } from '../open-cube.js';
import { fetchSample, SAMPLE_LR } from '../sample.js';
import type { Store } from '../store.js';
import { BandPicker } from '../ui/band-picker.js';
import { byId, fmt, h } from '../ui/dom.js';
import { ImageCanvas, pixelAt } from '../ui/image-canvas.js';
import { spectrumAt, spectrumSvg } from '../ui/spectrum-plot.js';

export function cubePanel(store: Store): void {
  const input = byId<HTMLInputElement>('cube-input');
  input.accept = CUBE_ACCEPT;
  const error = byId('cube-error');
  const info = byId('cube-info');
  const view = new ImageCanvas('false-colour view of the cube', (point) => store.set({ point }));
  const picker = new BandPicker((bands) => store.set({ bands }));
  const spectrum = byId('cube-spectrum');
  byId('cube-view').append(view.root);
  byId('cube-bands').append(picker.root);

  const load = async (files: { name: string; blob: Blob }[]) => {
    error.hidden = true;
    try {
      store.set({ busy: 'reading the cube' });
      const opened = await openCube(files);
      const { cube } = opened;
      picker.setBands(cube.bands, cube.wavelengths, cube.wavelengthUnits);
      const bands = pickRgbBands(cube);
      picker.value = bands;
      store.set({
        input: opened,
        bands,
        point: { v: 0.5, u: 0.5 },
        run: undefined,
        metrics: undefined,
        hr: undefined,
        busy: undefined,
      });
    } catch (e) {
      const { name, message } = describeError(e);
      error.textContent = `${name}: ${message}`;
      error.hidden = false;
      store.set({ busy: undefined });
    }
  };
  input.addEventListener('change', () => {
    if (input.files?.length) load(pickedFiles(input.files));
    input.value = '';
  });
  byId('sample-button').addEventListener('click', async () => load(await fetchSample(SAMPLE_LR)));

  store.on(async (s, changed) => {
    if (!s.input) return;
    const { cube, name, format, sampleType, interleave } = s.input;
    if (changed.has('input')) {
      const wl = cube.wavelengths;
      info.replaceChildren(
        ...[
          ['file', name],
          ['format', `${format}, ${sampleType}, ${interleave.toUpperCase()}`],
          ['shape', `${cube.rows} rows x ${cube.cols} cols x ${cube.bands} bands`],
          [
            'wavelengths',
            wl?.length
              ? `${fmt(wl[0])} - ${fmt(wl[wl.length - 1])} ${cube.wavelengthUnits ?? ''}`
              : 'none in the file',
          ],
        ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-field': k }, v)]),
      );
    }
    if (changed.has('input') || changed.has('bands')) {
      if (s.bands) picker.value = s.bands;
      view.draw((await falseColor(cube, { bands: s.bands })).image);
      view.mark(s.point);
    }
    if (changed.has('input') || changed.has('point')) {
      view.mark(s.point);
      if (!s.point) return;
      const { row, col } = pixelAt(s.point, cube.rows, cube.cols);
      spectrum.innerHTML = spectrumSvg(
        [
          {
            label: `${name} (${row}, ${col})`,
            color: '#1f5fbf',
            values: spectrumAt(cube, row, col),
          },
        ],
        {
          wavelengths: cube.wavelengths,
          units: cube.wavelengthUnits,
          title: `pixel row ${row}, col ${col}`,
        },
      );
    }
  });
}
