// 3. Compare: bicubic (or the ground truth) against SR with a slider, or their error maps; the
// spectra of one pixel before and after; the metrics when the HR cube is given; and the SR cube
// as ENVI, with the input's georeferencing (map info scaled), fwhm, bbl and no-data kept.
import { displayData } from '../cube-mask.js';
import { enviDownload } from '../envi-download.js';
import { describeError } from '../errors.js';
import { CUBE_ACCEPT, openCube, pickedFiles } from '../open-cube.js';
import { fetchSample, SAMPLE_HR } from '../sample.js';
import { valueLabel } from '../spectra-export.js';
import type { SrClient } from '../sr-client.js';
import type { AppState, Store } from '../store.js';
import { CompareView } from '../ui/compare-view.js';
import { byId, fmt, h } from '../ui/dom.js';
import { type Point, pixelAt } from '../ui/image-canvas.js';
import { metricsTable } from '../ui/metrics-table.js';
import { resultCubes } from '../result-cubes.js';
import {
  displayBands,
  errorMap,
  renderHeat,
  renderImage,
  robustMax,
  stretchLimits,
} from '../ui/render.js';
import { spectrumAt, spectrumSvg } from '../ui/spectrum-plot.js';
import { type BipData, bipData } from '../worker-protocol.js';

export function comparePanel(store: Store, client: SrClient): void {
  const leftSelect = byId<HTMLSelectElement>('compare-left');
  const modeSelect = byId<HTMLSelectElement>('compare-mode');
  const legend = byId('compare-legend');
  const readout = byId('compare-readout');
  const view = new CompareView(
    'bicubic',
    'SR',
    (point) => store.set({ point }),
    (p) => showReadout(p),
  );
  byId('compare-view').append(view.root);
  const spectra = byId('compare-spectra');
  const hrInput = byId<HTMLInputElement>('hr-input');
  hrInput.accept = CUBE_ACCEPT;
  const hrSample = byId<HTMLButtonElement>('hr-sample');
  const metricsBox = byId('metrics');
  const error = byId('compare-error');
  const downloadHdr = h('a', { id: 'download-hdr', class: 'button' }, 'header (.hdr)');
  const downloadImg = h('a', { id: 'download-img', class: 'button' }, 'data (.img)');
  byId('downloads').append(' ', downloadHdr, ' ', downloadImg);
  const section = byId('compare-section');
  // What the views show, as BIP images with NaN for no-data (for the readout too).
  let shown: { left: BipData; right: BipData; labels: [string, string]; heat: boolean } | undefined;

  const showError = (e: unknown) => {
    const { name, message } = describeError(e);
    error.textContent = `${name}: ${message}`;
    error.hidden = false;
  };

  const scoreWith = async (files: { name: string; blob: Blob }[]) => {
    error.hidden = true;
    try {
      const hr = await openCube(files);
      store.set({ hr, metrics: undefined });
      const { mask } = store.state.input ?? hr;
      const metrics = await client.request({
        type: 'metrics',
        hr: bipData(hr.cube),
        goodBands: mask.goodBands,
        noDataValue: hr.mask.noDataValue ?? mask.noDataValue,
      });
      store.set({ metrics });
    } catch (e) {
      showError(e);
    }
  };
  hrInput.addEventListener('change', () => {
    if (hrInput.files?.length) scoreWith(pickedFiles(hrInput.files));
    hrInput.value = '';
  });
  hrSample.addEventListener('click', async () => {
    error.hidden = true;
    await scoreWith(await fetchSample(SAMPLE_HR));
  });
  leftSelect.addEventListener('change', () => store.set({}));
  modeSelect.addEventListener('change', () => store.set({}));

  // Two plain links (one download each): a page may not start two downloads from one click.
  const links = () => {
    for (const a of [downloadHdr, downloadImg]) {
      if (a.href) URL.revokeObjectURL(a.href);
      a.removeAttribute('href');
      a.removeAttribute('download');
    }
    const s = store.state;
    const cubes = resultCubes(s);
    if (!cubes || !s.input || !s.run) return;
    const stem = `${s.input.name.replace(/\.[^.]*$/, '')}_sr_x${s.run.scale}`;
    const files = enviDownload(
      cubes.sr,
      stem,
      `${s.model?.name ?? 'SR'} x${s.run.scale} of ${s.input.name} (hsrkit playground)`,
    );
    downloadHdr.href = URL.createObjectURL(files.header);
    downloadHdr.download = files.headerName;
    downloadImg.href = URL.createObjectURL(files.data);
    downloadImg.download = files.dataName;
  };

  function showReadout(p: Point | undefined): void {
    const s = store.state;
    if (!p || !shown || !s.display) {
      readout.textContent = '';
      return;
    }
    const { right, left, labels, heat } = shown;
    const { row, col } = pixelAt(p, right.rows, right.cols);
    const at = (img: BipData, b: number) => img.data[(row * img.cols + col) * img.bands + b];
    const val = (v: number) => (Number.isFinite(v) ? fmt(v, 5) : 'no-data');
    const wl = s.input?.cube.wavelengths;
    const parts = heat
      ? [`${labels[0]} ${val(at(left, 0))}`, `${labels[1]} ${val(at(right, 0))}`]
      : displayBands(s.display).map(
          (b) =>
            `band ${b}${wl ? ` (${fmt(wl[b])})` : ''}: ${labels[0]} ${val(at(left, b))}, ${labels[1]} ${val(at(right, b))}`,
        );
    readout.textContent = `row ${row}, col ${col} · ${parts.join(' · ')}`;
  }

  store.on(async (s, changed) => {
    const cubes = resultCubes(s);
    section.classList.toggle('empty', !cubes);
    if (changed.has('run') || changed.has('input')) links();
    // The sample's ground truth fits the sample alone.
    hrSample.hidden = !s.inputIsSample;
    hrSample.disabled = !cubes || !s.inputIsSample;
    hrInput.disabled = !cubes;
    if (!cubes || !s.input || !s.run?.sr || !s.run.bicubic || !s.display || !s.stretch) {
      metricsBox.replaceChildren();
      shown = undefined;
      return;
    }
    const { mask, cube } = s.input;
    const hrFits =
      s.hr &&
      s.hr.cube.rows === cubes.sr.rows &&
      s.hr.cube.cols === cubes.sr.cols &&
      s.hr.cube.bands === cubes.sr.bands;
    const asView = (img: BipData): BipData => ({ ...img, data: displayData(img, mask) });
    const srView = asView(s.run.sr);
    const bicView = asView(s.run.bicubic);
    const hrView = hrFits && s.hr ? asView(bipData(s.hr.cube)) : undefined;
    if (
      ['run', 'display', 'stretch', 'hr', 'input'].some((k) => changed.has(k as keyof AppState)) ||
      changed.size === 0
    ) {
      if (modeSelect.value === 'error') {
        const { rows, cols } = srView;
        const one = (data: Float32Array): BipData => ({ rows, cols, bands: 1, data });
        const good = mask.goodBands;
        const [left, right, labels] = hrView
          ? [
              errorMap(bicView, hrView, good),
              errorMap(srView, hrView, good),
              ['|bicubic − GT|', '|SR − GT|'] as [string, string],
            ]
          : [
              errorMap(srView, bicView, good),
              errorMap(srView, bicView, good),
              ['|SR − bicubic|', '|SR − bicubic|'] as [string, string],
            ];
        const max = robustMax(left, right);
        view.draw(renderHeat(left, rows, cols, max), renderHeat(right, rows, cols, max), labels);
        legend.textContent = `RMS over the ${good.length} good bands, per pixel: black 0, white ${fmt(max, 4)} and above (99th percentile of both maps).`;
        shown = { left: one(left), right: one(right), labels, heat: true };
      } else {
        const useHr = leftSelect.value === 'hr' && hrView;
        const left = useHr ? hrView : bicView;
        const labels: [string, string] = [useHr ? 'ground truth' : 'bicubic', 'SR'];
        // The same stretch on both sides, from the left image.
        const limits = stretchLimits(left, s.display, s.stretch);
        view.draw(
          renderImage(left, s.display, limits),
          renderImage(srView, s.display, limits),
          labels,
        );
        legend.textContent = '';
        shown = { left, right: srView, labels, heat: false };
      }
    }
    view.mark(s.point);
    if (s.point) {
      const lr = pixelAt(s.point, cube.rows, cube.cols);
      const hr = pixelAt(s.point, srView.rows, srView.cols);
      const lrView = { rows: cube.rows, cols: cube.cols, bands: cube.bands, data: s.input.view };
      const series = [
        {
          label: `LR (${lr.row}, ${lr.col})`,
          color: '#888',
          values: spectrumAt(lrView, lr.row, lr.col),
          dash: '2 3',
        },
        {
          label: s.model?.name ?? 'SR',
          color: '#1f5fbf',
          values: spectrumAt(srView, hr.row, hr.col),
        },
        // After SR, dashed: where the two agree, bicubic stays visible on top.
        {
          label: 'bicubic',
          color: '#e08a00',
          values: spectrumAt(bicView, hr.row, hr.col),
          dash: '5 3',
        },
      ];
      if (hrView)
        series.push({
          label: 'ground truth',
          color: '#1a9c3c',
          values: spectrumAt(hrView, hr.row, hr.col),
          dash: '6 3',
        });
      spectra.innerHTML = spectrumSvg(series, {
        wavelengths: cube.wavelengths,
        units: cube.wavelengthUnits,
        title: `SR pixel row ${hr.row}, col ${hr.col} (LR row ${lr.row}, col ${lr.col})`,
        yLabel: valueLabel(cube),
        masked: mask.badBands,
      });
    }
    if (s.metrics)
      metricsBox.replaceChildren(
        metricsTable([
          [s.model?.name ?? 'SR', s.metrics.sr],
          ['bicubic', s.metrics.bicubic],
        ]),
        h(
          'p',
          { class: 'hint' },
          `sspsr preset, x${s.run?.scale}, ${s.metrics.bands} good bands, data range ${s.metrics.dataRange} (the ground truth's peak).`,
        ),
      );
    else metricsBox.replaceChildren();
  });
}
