// The playground as a user meets it: built with Vite, served from a local server, driven in
// headless Debian chromium. It opens the embedded sample through the file input, runs x4 SR on
// WebGPU in the worker, and checks the downloaded ENVI cube against the Node wasm result of the
// same model on the same input; Cancel, the runtime fallback chain, x2, model folders, IndexedDB
// and the low-rank analysis are driven too. No request may leave the local server.
// Without chromium the test FAILS and says so; HSRKIT_SKIP_BROWSER=1 skips it explicitly.
// HSRKIT_UPDATE_SCREENSHOTS=1 writes the screenshots to docs/ (the README shows them).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeMetrics, type Cube, readCube, readEnvi, writeCube } from '@hsrkit/hsi-data/node';
import {
  DEMO_MODEL_PATH,
  loadModel,
  modelTileRunner,
  selectRuntime,
  upscaleFile,
} from '@hsrkit/lkca-net/node';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaygroundSummary } from '../src/test-hooks.js';
import { serveStatic, type StaticServer } from './static-server.js';

const CHROMIUM = process.env.HSRKIT_CHROMIUM ?? '/usr/bin/chromium';
const skip = process.env.HSRKIT_SKIP_BROWSER === '1';
if (skip) console.warn('\n!!! playground browser test SKIPPED: HSRKIT_SKIP_BROWSER=1 is set !!!\n');

const app = fileURLToPath(new URL('..', import.meta.url));
const sample = (name: string) => join(app, 'public/sample', name);
const LR_FILES = [sample('balloons-lr-x4.hdr'), sample('balloons-lr-x4.img')];
const MAT_V73 = fileURLToPath(
  new URL('../../../packages/hsi-data/fixtures/io/mat/balloons_crop_v73.mat', import.meta.url),
);
const TEACHER = fileURLToPath(
  new URL('../../../packages/lkca-net/assets/models/lkca-teacher-x4/', import.meta.url),
);
// The model's units: inputs are divided by this (its normalisation record) before it runs.
const MODEL_UNIT = 63382;
const BASE_ARGS = ['--no-sandbox', '--disable-background-networking'];
const WEBGPU_ARGS = [...BASE_ARGS, '--enable-unsafe-webgpu'];

/** Largest difference between two cubes, in the model's units (printed: the report's numbers). */
function diffInModelUnits(label: string, a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  console.info(
    `${label} vs Node wasm: max |diff| ${(m / MODEL_UNIT).toExponential(2)} (model units)`,
  );
  return m / MODEL_UNIT;
}

/** Clicks both ENVI download links and saves the files into `dir`. */
async function downloadSr(page: Page, dir: string): Promise<void> {
  for (const link of ['#download-hdr', '#download-img']) {
    const download = page.waitForEvent('download');
    await page.click(link);
    const d = await download;
    await d.saveAs(join(dir, d.suggestedFilename()));
  }
}

/**
 * Runs SR in the page on the runtime it holds, checks the run used `backend`, downloads the ENVI
 * result into `dir` and returns it read back.
 */
async function runAndDownload(page: Page, backend: string, dir: string): Promise<Cube> {
  await page.click('#run');
  const run = await waitFor(page, `the ${backend} run`, (s) => s.run);
  expect(run.backend).toBe(backend);
  await downloadSr(page, dir);
  return readEnvi(join(dir, 'balloons-lr-x4_sr_x4.hdr'));
}

const state = (page: Page) =>
  page.evaluate(() => window.__playground) as Promise<PlaygroundSummary | undefined>;

async function waitFor<T>(
  page: Page,
  what: string,
  fn: (s: PlaygroundSummary) => T,
  errorBox = '#sr-error',
  timeout = 90_000,
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const t0 = Date.now();
  for (;;) {
    const s = await state(page);
    const value = s && fn(s);
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    const err = await page.$eval(errorBox, (e) => ((e as HTMLElement).hidden ? '' : e.textContent));
    if (err) throw new Error(`while waiting for ${what}: ${err}`);
    if (Date.now() - t0 > timeout) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(100);
  }
}

describe.skipIf(skip)('the playground in headless chromium', () => {
  let out: string;
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  let reference: Cube;
  let hr: Cube;
  const outside: string[] = [];
  const shots = process.env.HSRKIT_UPDATE_SCREENSHOTS === '1' ? join(app, 'docs') : '';

  const openPage = async (b: Browser) => {
    const p = await b.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    // Offline: anything not served by the app's own server is refused and recorded.
    await p.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(server.url) || url.startsWith('data:') || url.startsWith('blob:'))
        return route.continue();
      outside.push(url);
      return route.abort();
    });
    await p.goto(server.url);
    return p;
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no chromium at ${CHROMIUM}: apt-get install chromium (or set HSRKIT_SKIP_BROWSER=1)`,
      );
    out = await mkdtemp(join(tmpdir(), 'hsrkit-playground-'));
    const dist = join(out, 'dist');
    await build({
      root: app,
      configFile: join(app, 'vite.config.ts'),
      logLevel: 'error',
      build: { outDir: dist, emptyOutDir: true },
    });
    server = await serveStatic(dist);
    // The Node reference: the same model and input through lkca-net's own file pipeline on wasm,
    // with the page's tiling (tile 32, overlap 8).
    await selectRuntime('wasm');
    const model = await loadModel(DEMO_MODEL_PATH);
    await upscaleFile(LR_FILES[0], join(out, 'node-sr.hdr'), {
      model,
      runner: modelTileRunner(model),
      tile: 32,
      overlap: 8,
    });
    model.dispose();
    reference = await readEnvi(join(out, 'node-sr.hdr'));
    hr = await readCube(sample('balloons-hr.mat'));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: WEBGPU_ARGS });
    page = await openPage(browser);
    if (shots) await mkdir(shots, { recursive: true });
    // A production build (with h5wasm's 4.8 MB chunk) and the Node reference run: minutes on 2 busy cores.
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (out) await rm(out, { recursive: true, force: true });
  });

  const screenshot = async (name: string, selector?: string) => {
    const path = join(shots || out, name);
    if (selector) await page.locator(selector).screenshot({ path });
    else await page.screenshot({ path, fullPage: true });
    return path;
  };

  it('refuses an ENVI header without its data file, saying what is missing', async () => {
    await page.setInputFiles('#cube-input', [LR_FILES[0]]);
    await expect
      .poll(() =>
        page.$eval('#cube-error', (e) => ((e as HTMLElement).hidden ? '' : e.textContent)),
      )
      .toMatch(/PlaygroundInputError: balloons-lr-x4\.hdr is an ENVI header without its data file/);
    expect((await state(page))?.input).toBeUndefined();
  });

  it('opens the embedded sample through the file input: shape, wavelengths, false colour, spectrum', async () => {
    await page.setInputFiles('#cube-input', LR_FILES);
    const input = await waitFor(page, 'the cube', (s) => s.input, '#cube-error');
    expect(await page.$eval('#cube-error', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(input).toEqual({ name: 'balloons-lr-x4.hdr', rows: 32, cols: 32, bands: 31 });
    expect(await page.textContent('[data-field=shape]')).toBe('32 rows x 32 cols x 31 bands');
    expect(await page.textContent('[data-field=wavelengths]')).toContain('400 - 700');
    // Bands nearest 640 / 550 / 460 nm by default; the picture is drawn.
    expect(
      await page.$$eval('#cube-bands select', (s) => s.map((e) => (e as HTMLSelectElement).value)),
    ).toEqual(['24', '15', '6']);
    const lit = () =>
      page.$eval('#cube-view canvas', (c) => {
        const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 32, 32).data;
        let sum = 0;
        for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
        return sum;
      });
    const before = await lit();
    expect(before).toBeGreaterThan(0);
    await page.selectOption('#cube-bands select[data-channel=R]', '30');
    await expect.poll(lit).not.toBe(before);
    await page.selectOption('#cube-bands select[data-channel=R]', '24');
    // Click the pixel at row 8, col 24: its spectrum is plotted with 31 points.
    const box = (await page.locator('#cube-view canvas').boundingBox())!;
    await page.mouse.click(box.x + (24.5 / 32) * box.width, box.y + (8.5 / 32) * box.height);
    await expect.poll(() => page.textContent('#cube-spectrum')).toContain('pixel row 8, col 24');
    const points = await page.$eval('#cube-spectrum polyline', (p) =>
      p.getAttribute('points')!.trim().split(' '),
    );
    expect(points).toHaveLength(31);
  });

  it('opens GeoTIFF, NPY and MATLAB files of the same cube, with the same samples', async () => {
    const spectrumPoints = () =>
      page.$eval('#cube-spectrum polyline', (p) => p.getAttribute('points'));
    const clickPixel = async () => {
      const box = (await page.locator('#cube-view canvas').boundingBox())!;
      await page.mouse.click(box.x + (5.5 / 32) * box.width, box.y + (20.5 / 32) * box.height);
      await expect.poll(() => page.textContent('#cube-spectrum')).toContain('pixel row 20, col 5');
      return spectrumPoints();
    };
    const envi = await clickPixel();
    const lr = await readEnvi(LR_FILES[0]);
    for (const [file, format] of [
      ['lr.tif', 'TIF, float32, BIP'],
      ['lr.npy', 'NPY, float32, BIP'],
      ['lr.mat', 'MAT, float32'],
    ] as const) {
      await writeCube(join(out, file), lr);
      await page.setInputFiles('#cube-input', [join(out, file)]);
      await waitFor(page, file, (s) => s.input?.name === file, '#cube-error');
      expect(await page.textContent('[data-field=format]')).toContain(format);
      expect(await page.textContent('[data-field=shape]')).toBe('32 rows x 32 cols x 31 bands');
      expect(await clickPixel()).toBe(envi);
    }
    // MATLAB v7.3 (HDF5): read in the page through h5wasm's browser build, fetched on demand.
    await page.setInputFiles('#cube-input', [MAT_V73]);
    await waitFor(
      page,
      'the v7.3 file',
      (s) => s.input?.name === 'balloons_crop_v73.mat',
      '#cube-error',
    );
    expect(await page.textContent('[data-field=format]')).toContain('MAT, uint16');
    expect(await page.textContent('[data-field=shape]')).toBe('24 rows x 20 cols x 31 bands');
    await page.setInputFiles('#cube-input', LR_FILES);
    await waitFor(
      page,
      'the sample again',
      (s) => s.input?.name === 'balloons-lr-x4.hdr',
      '#cube-error',
    );
  });

  it('runs x4 SR on WebGPU in a worker; the downloaded ENVI equals Node wasm to 1e-3', async () => {
    const model = await waitFor(page, 'the shipped model', (s) => s.model);
    expect(model.name).toBe('lkca_student');
    expect(model.scale).toBe(4);
    expect(model.runtime.backend).toBe('webgpu');
    expect(model.runtime.attempts).toEqual([{ runtime: 'webgpu', ok: true }]);
    expect(await page.textContent('#runtime-info')).toMatch(/^Running on WEBGPU/);
    await page.click('#run');
    const run = await waitFor(page, 'the SR run', (s) => s.run);
    expect(run).toMatchObject({
      cancelled: false,
      backend: 'webgpu',
      scale: 4,
      srShape: [128, 128, 31],
    });
    expect(run.tensorsAfter).toBe(run.tensorsBefore);
    expect(await page.$eval('#progress', (p) => (p as HTMLProgressElement).value)).toBe(1);

    await downloadSr(page, out);
    expect((await readdir(out)).filter((f) => f.startsWith('balloons-lr-x4_sr_x4')).sort()).toEqual(
      ['balloons-lr-x4_sr_x4.hdr', 'balloons-lr-x4_sr_x4.img'],
    );
    const sr = await readEnvi(join(out, 'balloons-lr-x4_sr_x4.hdr'));
    expect([sr.rows, sr.cols, sr.bands, sr.interleave]).toEqual([128, 128, 31, 'bip']);
    expect(sr.wavelengths).toEqual(reference.wavelengths);
    expect(diffInModelUnits('page, WebGPU', sr.data, reference.data)).toBeLessThan(1e-3);

    // Scored against the ground truth in the page, as in Node (sspsr, data range = its peak).
    await page.click('#hr-sample');
    const metrics = await waitFor(page, 'the metrics', (s) => s.metrics, '#compare-error');
    let peak = 0;
    for (const v of hr.data) peak = Math.max(peak, v);
    const node = await computeMetrics(hr, reference, {
      preset: 'sspsr',
      scale: 4,
      dataRange: peak,
    });
    expect(metrics.dataRange).toBe(peak);
    expect(metrics.sr.mpsnr).toBeCloseTo(node.mpsnr, 2);
    expect(metrics.sr.sam).toBeCloseTo(node.sam, 2);
    expect(metrics.sr.mpsnr).toBeGreaterThan(metrics.bicubic.mpsnr);
    expect(await page.$$eval('#metrics tbody tr', (r) => r.length)).toBe(2);

    // A place on the SR view (where bicubic is furthest from the ground truth, an edge): spectra
    // before and after, with the ground truth.
    const box = (await page.locator('#compare-view canvas').first().boundingBox())!;
    await page.mouse.click(box.x + (74.5 / 128) * box.width, box.y + (109.5 / 128) * box.height);
    await expect
      .poll(() => page.textContent('#compare-spectra'))
      .toContain('SR pixel row 109, col 74 (LR row 27, col 18)');
    expect(await page.$$eval('#compare-spectra polyline', (p) => p.length)).toBe(4);
    await page.fill('#compare-view input[type=range]', '70');
    await screenshot('playground-overview.png');
    await screenshot('playground-compare.png', '#compare-section');
  });

  it('Cancel stops between tiles and leaves no tensor behind', async () => {
    await page.fill('#tile', '12');
    await page.fill('#overlap', '4');
    await page.click('#run');
    await expect
      .poll(() => page.textContent('#progress-text'), { timeout: 60_000 })
      .toMatch(/^tile [1-9]\d* \/ 16$/);
    await page.click('#cancel');
    const run = await waitFor(page, 'the cancelled run', (s) => s.run);
    expect(run.cancelled).toBe(true);
    expect(run.tiles.total).toBe(16);
    expect(run.tiles.done).toBeLessThan(16);
    expect(run.tensorsAfter).toBe(run.tensorsBefore);
    expect(await page.textContent('#progress-text')).toMatch(/^cancelled after \d+ of 16 tiles/);
    await page.fill('#tile', '32');
    await page.fill('#overlap', '8');
  });

  it('analyses the upsampler of the loaded model: singular values and the params a cut saves', async () => {
    await page.click('#analyze');
    const lr = await waitFor(page, 'the analysis', (s) => s.lowRank);
    expect(lr.modelParams).toBe(92_480);
    expect(lr.layers).toEqual([
      { layer: 'upsampler_lr_a', fullRank: 16, params: 9216 },
      { layer: 'upsampler', fullRank: 16, params: 8432 },
    ]);
    expect(await page.$$eval('#lowrank-out svg', (s) => s.length)).toBe(2);
  });

  it('loads a model folder (the teacher) and shows its full-rank upsampler spectrum', async () => {
    await page.selectOption('#model-select', 'folder');
    await page.setInputFiles('#model-folder', TEACHER);
    const model = await waitFor(
      page,
      'the teacher',
      (s) => s.model?.name === 'lkca_teacher' && s.model,
    );
    expect(model.params).toBe(381_008);
    expect(model.source).toMatch(/^files: /);
    await page.click('#analyze');
    const lr = await waitFor(page, 'the analysis', (s) => s.lowRank);
    expect(lr.layers).toEqual([{ layer: 'upsampler', fullRank: 496, params: 286_192 }]);
    // Cutting the 576 x 496 kernel to the rank that keeps 90 % of the energy saves params.
    const saved = await page.$$eval('#lowrank-out td.saving', (t) => t.length);
    expect(saved).toBeGreaterThan(0);
    await screenshot('playground-lowrank.png', '#lowrank-section');
  });

  it('keeps a model in IndexedDB and loads it back', async () => {
    await page.fill('#idb-name', 'teacher-copy');
    await page.click('#idb-save');
    await expect
      .poll(() =>
        page.$$eval('#model-select option', (o) => o.map((e) => (e as HTMLOptionElement).value)),
      )
      .toContain('idb:teacher-copy');
    await page.selectOption('#model-select', 'idb:teacher-copy');
    const model = await waitFor(
      page,
      'the IndexedDB model',
      (s) => s.model?.source.startsWith('IndexedDB') && s.model,
    );
    expect(model).toMatchObject({ name: 'lkca_teacher', params: 381_008, scale: 4 });
  });

  it('x2: says no trained x2 model ships, and runs an untrained student that is labelled as such', async () => {
    await page.selectOption('#scale', '2');
    expect(await page.textContent('#scale-note')).toMatch(/No trained x2 model ships with hsrkit/);
    const model = await waitFor(
      page,
      'the untrained x2 student',
      (s) => s.model?.untrained && s.model,
    );
    expect(model.scale).toBe(2);
    expect(await page.textContent('#model-info')).toMatch(/Untrained: random weights/);
    await page.click('#run');
    const run = await waitFor(page, 'the x2 run', (s) => s.run);
    expect(run).toMatchObject({ cancelled: false, scale: 2, srShape: [64, 64, 31] });
    expect(run.tensorsAfter).toBe(run.tensorsBefore);
  });

  it('runs on WASM when asked, served by the app, equal to Node wasm', async () => {
    await page.selectOption('#scale', '4');
    await waitFor(page, 'the shipped model', (s) => s.model?.name === 'lkca_student' && s.model);
    await page.selectOption('#runtime', 'wasm');
    const model = await waitFor(
      page,
      'the wasm runtime',
      (s) => s.model?.runtime.backend === 'wasm' && s.model,
    );
    expect(model.runtime.attempts).toEqual([{ runtime: 'wasm', ok: true }]);
    expect(model.runtime.device).toMatch(/^WebAssembly \(XNNPACK, SIMD on/);
    const sr = await runAndDownload(page, 'wasm', join(out, 'wasm'));
    expect(diffInModelUnits('page, WASM', sr.data, reference.data)).toBeLessThan(1e-5);
  });

  it('without WebGPU falls back to WebGL, says so, and WebGL gives the same result', async () => {
    const { chromium } = await import('playwright-core');
    // No --enable-unsafe-webgpu: navigator.gpu is missing in the worker.
    const other = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
    try {
      const p = await openPage(other);
      await p.setInputFiles('#cube-input', LR_FILES);
      const model = await waitFor(p, 'the model on the fallback runtime', (s) => s.model);
      expect(model.runtime.attempts.map((a) => [a.runtime, a.ok])).toEqual([
        ['webgpu', false],
        ['webgl', true],
      ]);
      expect(model.runtime.attempts[0].error).toMatch(/webgpu/);
      expect(await p.textContent('#runtime-info')).toMatch(
        /^Running on WEBGL .*webgpu ✗ .*webgl ✓/,
      );
      const sr = await runAndDownload(p, 'webgl', join(out, 'webgl'));
      expect(diffInModelUnits('page, WebGL', sr.data, reference.data)).toBeLessThan(1e-3);
    } finally {
      await other.close();
    }
  });

  it('fetched nothing from outside the app (no CDN)', () => {
    expect(outside).toEqual([]);
    expect(server.requests).toContain('/tfjs-wasm/tfjs-backend-wasm-simd.wasm');
    expect(server.requests).toContain('/models/lkca-distilled-alpha0.1-x4/model.json');
  });
});
