// 3. Compare: bicubic (or the ground truth) against SR with a slider, the spectra of one pixel
// before and after, the metrics when the HR cube is given, and the SR cube as ENVI.
import { type BipCube, falseColor, HsiFormatError, scaleMapInfo } from '@hsrkit/hsi-data';
import { enviDownload } from '../envi-download.js';
import { describeError } from '../errors.js';
import { CUBE_ACCEPT, openCube, pickedFiles } from '../open-cube.js';
import { fetchSample, SAMPLE_HR } from '../sample.js';
import type { SrClient } from '../sr-client.js';
import type { AppState, Store } from '../store.js';
import { CompareView } from '../ui/compare-view.js';
import { byId, h } from '../ui/dom.js';
import { pixelAt } from '../ui/image-canvas.js';
import { metricsTable } from '../ui/metrics-table.js';
import { spectrumAt, spectrumSvg } from '../ui/spectrum-plot.js';
import { bipData, cubeOf } from '../worker-protocol.js';

/** The SR and bicubic results as cubes carrying the input's metadata. */
function resultCubes(s: AppState): { sr: BipCube; bicubic: BipCube } | undefined {
  const { run, input } = s;
  if (!run?.sr || !run.bicubic || !input) return undefined;
  const { rows: _r, cols: _c, bands: _b, data: _d, interleave: _i, mapInfo, ...meta } = input.cube;
  const m = { ...meta, mapInfo: outputMapInfo(mapInfo, run.scale) };
  return { sr: cubeOf(run.sr, m), bicubic: cubeOf(run.bicubic, m) };
}

/**
 * The input's `map info` for the x`scale` output; a map info hsi-data cannot parse is left out
 * (kept as it is, it would put the output at the wrong ground size).
 */
function outputMapInfo(mapInfo: string | undefined, scale: number): string | undefined {
  try {
    return scaleMapInfo(mapInfo, scale);
  } catch (e) {
    if (e instanceof HsiFormatError) return undefined;
    throw e;
  }
}

export function comparePanel(store: Store, client: SrClient): void {
  const leftSelect = byId<HTMLSelectElement>('compare-left');
  const view = new CompareView('bicubic', 'SR', (point) => store.set({ point }));
  byId('compare-view').append(view.root);
  const spectra = byId('compare-spectra');
  const hrInput = byId<HTMLInputElement>('hr-input');
  hrInput.accept = CUBE_ACCEPT;
  const metricsBox = byId('metrics');
  const error = byId('compare-error');
  const downloadHdr = h('a', { id: 'download-hdr', class: 'button' }, 'header (.hdr)');
  const downloadImg = h('a', { id: 'download-img', class: 'button' }, 'data (.img)');
  byId('downloads').append(' ', downloadHdr, ' ', downloadImg);
  const section = byId('compare-section');

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
      const metrics = await client.request({ type: 'metrics', hr: bipData(hr.cube) });
      store.set({ metrics });
    } catch (e) {
      showError(e);
    }
  };
  hrInput.addEventListener('change', () => {
    if (hrInput.files?.length) scoreWith(pickedFiles(hrInput.files));
    hrInput.value = '';
  });
  byId('hr-sample').addEventListener('click', async () => scoreWith(await fetchSample(SAMPLE_HR)));
  leftSelect.addEventListener('change', () => store.set({}));

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

  store.on(async (s, changed) => {
    const cubes = resultCubes(s);
    section.classList.toggle('empty', !cubes);
    if (changed.has('run') || changed.has('input')) links();
    byId<HTMLButtonElement>('hr-sample').disabled = !cubes;
    hrInput.disabled = !cubes;
    if (!cubes || !s.input) {
      metricsBox.replaceChildren();
      return;
    }
    const left = leftSelect.value === 'hr' && s.hr ? s.hr.cube : cubes.bicubic;
    if (changed.has('run') || changed.has('bands') || changed.has('hr') || changed.size === 0) {
      const leftView = await falseColor(left, { bands: s.bands });
      const srView = await falseColor(cubes.sr, { bands: s.bands, stretch: leftView.stretch });
      view.draw(leftView.image, srView.image);
      byId('compare-view').querySelector('.compare-label.left')!.textContent =
        left === cubes.bicubic ? 'bicubic' : 'ground truth';
    }
    view.mark(s.point);
    if (s.point) {
      const { cube } = s.input;
      const lr = pixelAt(s.point, cube.rows, cube.cols);
      const hr = pixelAt(s.point, cubes.sr.rows, cubes.sr.cols);
      const series = [
        {
          label: `LR (${lr.row}, ${lr.col})`,
          color: '#888',
          values: spectrumAt(cube, lr.row, lr.col),
          dash: '2 3',
        },
        { label: 'bicubic', color: '#e08a00', values: spectrumAt(cubes.bicubic, hr.row, hr.col) },
        {
          label: s.model?.name ?? 'SR',
          color: '#1f5fbf',
          values: spectrumAt(cubes.sr, hr.row, hr.col),
        },
      ];
      if (s.hr && s.hr.cube.rows === cubes.sr.rows && s.hr.cube.cols === cubes.sr.cols)
        series.push({
          label: 'ground truth',
          color: '#1a9c3c',
          values: spectrumAt(s.hr.cube, hr.row, hr.col),
          dash: '6 3',
        });
      spectra.innerHTML = spectrumSvg(series, {
        wavelengths: cube.wavelengths,
        units: cube.wavelengthUnits,
        title: `SR pixel row ${hr.row}, col ${hr.col} (LR row ${lr.row}, col ${lr.col})`,
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
          `sspsr preset, x${s.run?.scale}, data range ${s.metrics.dataRange} (the ground truth's peak).`,
        ),
      );
    else metricsBox.replaceChildren();
  });
}
