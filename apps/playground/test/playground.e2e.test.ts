// The playground as a user meets it: built with Vite, served from a local server, driven in
// headless Debian chromium. It opens the embedded sample through the file input, lets 'auto'
// pick the runtime (WASM here: the WebGPU and WebGL adapters are SwiftShader), runs x4 SR in the
// worker and checks the downloaded ENVI cube against the Node wasm result of the same model on the
// same input; forced WebGPU and WebGL, Cancel, opening a file mid-run, a cube with no-data and bad
// bands and georeferencing, Wald's check, the viewer (zoom, readout, grey view, stretch, pins), x2,
// the x8 cascade, model folders, IndexedDB and the low-rank analysis are driven too. No request may leave the
// local server, and the page may log no uncaught error.
// Without chromium the test FAILS and says so; HSRKIT_SKIP_BROWSER=1 skips it explicitly.
// HSRKIT_UPDATE_SCREENSHOTS=1 writes the screenshots to docs/ (the README shows them).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bicubicDownsample,
  bicubicUpsample,
  computeMetrics,
  type Cube,
  encodeMat,
  readCube,
  readEnvi,
  toBipCube,
  writeCube,
} from '@hsrkit/hsi-data/node';
import {
  loadAnyBandModel,
  loadModel,
  modelTileRunner,
  SHIPPED_MODELS_DIR,
  selectRuntime,
  upscaleFile,
} from '@hsrkit/lkca-net/node';
import * as tf from '@tensorflow/tfjs';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cubeMask, networkInput, selectBands } from '../src/cube-mask.js';
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
const PRISMA_HE5 = fileURLToPath(
  new URL('../../../packages/hsi-data/fixtures/io/hdf5/prisma_like.he5', import.meta.url),
);
const ANY_BAND = fileURLToPath(
  new URL('../../../packages/lkca-net/assets/models/lkca-any-band-x4/', import.meta.url),
);
const ANY_BAND_X2 = fileURLToPath(
  new URL('../../../packages/lkca-net/assets/models/lkca-any-band-x2/', import.meta.url),
);
const CAVE_MODEL = fileURLToPath(
  new URL('../../../packages/lkca-net/assets/models/lkca-any-band-x4-cave/', import.meta.url),
);
const TEACHER = fileURLToPath(
  new URL('../../../packages/lkca-net/assets/models/lkca-teacher-x4/', import.meta.url),
);
// The model's units: inputs are divided by this (its normalisation record) before it runs.
const MODEL_UNIT = 63382;
const BASE_ARGS = ['--no-sandbox', '--disable-background-networking'];
const WEBGPU_ARGS = [...BASE_ARGS, '--enable-unsafe-webgpu'];

/** Largest |a - b| relative to the largest |b|. */
function diffToPeak(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let peak = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    peak = Math.max(peak, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / peak;
}

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
  await mkdir(dir, { recursive: true });
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
async function runAndDownload(
  page: Page,
  backend: string,
  dir: string,
  header = 'balloons-lr-x4_sr_x4.hdr',
): Promise<Cube> {
  await page.click('#run');
  const run = await waitFor(page, `the ${backend} run`, (s) => s.run);
  expect(run.backend).toBe(backend);
  await downloadSr(page, dir);
  return readEnvi(join(dir, header));
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

/** Text of an error box, '' while hidden. */
const errorText = (page: Page, box: string) =>
  page.$eval(box, (e) => ((e as HTMLElement).hidden ? '' : (e.textContent ?? '')));

/** Clicks the centre of pixel (row, col) of the canvas in `selector` (a rows x cols picture). */
async function clickPixel(
  page: Page,
  selector: string,
  rows: number,
  cols: number,
  row: number,
  col: number,
) {
  // page.mouse clicks at viewport coordinates: the picture must be on screen.
  await page.locator(selector).first().scrollIntoViewIfNeeded();
  const box = (await page.locator(selector).first().boundingBox())!;
  await page.mouse.click(
    box.x + ((col + 0.5) / cols) * box.width,
    box.y + ((row + 0.5) / rows) * box.height,
  );
}

describe.skipIf(skip)('the playground in headless chromium', () => {
  let out: string;
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  let reference: Cube;
  let hr: Cube;
  let nodeModel: Awaited<ReturnType<typeof loadModel>>;
  const outside: string[] = [];
  const pageErrors: string[] = [];
  const shots = process.env.HSRKIT_UPDATE_SCREENSHOTS === '1' ? join(app, 'docs') : '';

  /** The Node reference: `cube` through lkca-net's own file pipeline on wasm, tile 32, overlap 8. */
  const nodeSr = async (cube: Cube, name: string): Promise<Cube> => {
    await writeCube(join(out, `${name}.hdr`), cube);
    await upscaleFile(join(out, `${name}.hdr`), join(out, `${name}-sr.hdr`), {
      model: nodeModel,
      runner: modelTileRunner(nodeModel),
      tile: 32,
      overlap: 8,
    });
    return readEnvi(join(out, `${name}-sr.hdr`));
  };

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
    p.on('pageerror', (e) => pageErrors.push(e.message));
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
    await selectRuntime('wasm');
    // The band-specific model the app offers for the sample (src/shipped-models.ts).
    nodeModel = await loadModel(join(SHIPPED_MODELS_DIR, 'lkca-distilled-alpha0.1-x4'));
    reference = await nodeSr(await readEnvi(LR_FILES[0]), 'node');
    hr = await readCube(sample('balloons-hr.mat'));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: WEBGPU_ARGS });
    page = await openPage(browser);
    if (shots) await mkdir(shots, { recursive: true });
    // A production build (with h5wasm's 4.8 MB chunk) and the Node reference run: minutes on 2 busy cores.
  }, 600_000);

  afterAll(async () => {
    nodeModel?.dispose();
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
      .poll(() => errorText(page, '#cube-error'))
      .toMatch(/PlaygroundInputError: balloons-lr-x4\.hdr is an ENVI header without its data file/);
    expect((await state(page))?.input).toBeUndefined();
  });

  it('x2 chosen before any cube is opened loads the shipped any-band x2 model; the untrained student waits for a cube', async () => {
    await page.selectOption('#scale', '2');
    const model = await waitFor(page, 'the x2 model', (s) => s.model?.scale === 2 && s.model);
    expect(model).toMatchObject({ anyBand: true, untrained: false });
    expect(await page.isVisible('#scale-note')).toBe(false);
    await page.selectOption('#model-select', 'untrained:2');
    await expect
      .poll(() => page.textContent('#model-info'))
      .toMatch(/untrained x2 student is built for the cube's band count when you open a cube/);
    expect(await errorText(page, '#sr-error')).toBe('');
    expect((await state(page))?.model).toBeUndefined();
    await page.selectOption('#scale', '4');
  });

  it('opens the embedded sample through the file input: shape, wavelengths, false colour, spectrum', async () => {
    await page.setInputFiles('#cube-input', LR_FILES);
    const input = await waitFor(page, 'the cube', (s) => s.input, '#cube-error');
    expect(await errorText(page, '#cube-error')).toBe('');
    expect(input).toMatchObject({ name: 'balloons-lr-x4.hdr', rows: 32, cols: 32, bands: 31 });
    expect(await page.textContent('[data-field=shape]')).toBe('32 rows x 32 cols x 31 bands');
    expect(await page.textContent('[data-field=wavelengths]')).toContain('400 - 700');
    expect(await page.textContent('[data-field=no-data]')).toBe('no no-data value');
    // Bands nearest 640 / 550 / 460 nm by default; the picture is drawn.
    expect(
      await page.$$eval('#cube-bands select[data-channel]', (s) =>
        s.map((e) => (e as HTMLSelectElement).value),
      ),
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
    await clickPixel(page, '#cube-view canvas', 32, 32, 8, 24);
    await expect.poll(() => page.textContent('#cube-spectrum')).toContain('pixel row 8, col 24');
    const points = await page.$eval('#cube-spectrum polyline', (p) =>
      p.getAttribute('points')!.trim().split(' '),
    );
    expect(points).toHaveLength(31);
    expect(await page.textContent('#cube-spectrum')).toContain('value (as stored)');
  });

  it('the viewer: hover readout, zoom and pan, grey view with a band slider, min/max stretch, pinned spectra as CSV', async () => {
    const lr = toBipCube(await readEnvi(LR_FILES[0]));
    const at = (row: number, col: number, band: number) => lr.data[(row * 32 + col) * 31 + band];
    const canvas = page.locator('#cube-view canvas');
    let box = (await canvas.boundingBox())!;
    // Hover readout: row, col, and the value of each shown band with its wavelength.
    await page.mouse.move(box.x + (24.5 / 32) * box.width, box.y + (8.5 / 32) * box.height);
    const readout = await page.textContent('#cube-readout');
    expect(readout).toContain('row 8, col 24');
    expect(readout).toContain(
      `band 24 (640 nm): ${at(8, 24, 24).toLocaleString('en-US', { maximumFractionDigits: 5 })}`,
    );
    // Zoom in twice about the cursor: the picture grows, the view does not; a click still picks
    // the pixel under the mouse.
    const view = (await page.locator('#cube-view .image-canvas').boundingBox())!;
    await page.mouse.wheel(0, -100);
    await page.mouse.wheel(0, -100);
    await expect
      .poll(async () => (await canvas.boundingBox())!.width)
      .toBeCloseTo(box.width * 1.5625, 0);
    expect((await page.locator('#cube-view .image-canvas').boundingBox())!.width).toBe(view.width);
    box = (await canvas.boundingBox())!;
    await clickPixel(page, '#cube-view canvas', 32, 32, 10, 20);
    await expect.poll(() => page.textContent('#cube-spectrum')).toContain('pixel row 10, col 20');
    // Drag pans; a drag is not a click.
    await page.mouse.move(view.x + 100, view.y + 100);
    await page.mouse.down();
    await page.mouse.move(view.x + 150, view.y + 130, { steps: 5 });
    await page.mouse.up();
    const panned = (await canvas.boundingBox())!;
    expect(panned.x).toBeGreaterThan(box.x);
    expect(await page.textContent('#cube-spectrum')).toContain('pixel row 10, col 20');
    await page.dblclick('#cube-view canvas');
    await expect.poll(async () => (await canvas.boundingBox())!.width).toBeCloseTo(view.width, 0);

    // One band in grey, chosen with the slider; a min / max stretch maps those values to 0 / 255.
    await page.selectOption('#view-mode', 'grey');
    await page.fill('#band-slider', '10');
    await page.dispatchEvent('#band-slider', 'input');
    await expect.poll(() => page.textContent('#band-label')).toBe('band 10 (500 nm)');
    await page.selectOption('#stretch-kind', 'range');
    const [lo, hi] = [at(0, 0, 10), at(31, 31, 10)].sort((a, b) => a - b);
    await page.fill('#stretch-low', String(lo));
    await page.fill('#stretch-high', String(hi + 1));
    await page.press('#stretch-high', 'Enter');
    await page.locator('#stretch-high').blur();
    const pixel = (row: number, col: number) =>
      page.$eval(
        '#cube-view canvas',
        (c, [r, k]) =>
          Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(k, r, 1, 1).data),
        [row, col],
      );
    const expected = (v: number) =>
      Math.round(Math.min(1, Math.max(0, (v - lo) / (hi + 1 - lo))) * 255);
    await expect
      .poll(() => pixel(5, 7))
      .toEqual([expected(at(5, 7, 10)), expected(at(5, 7, 10)), expected(at(5, 7, 10)), 255]);
    expect(await pixel(20, 3)).toEqual([
      expected(at(20, 3, 10)),
      expected(at(20, 3, 10)),
      expected(at(20, 3, 10)),
      255,
    ]);
    await page.selectOption('#stretch-kind', 'percentile');
    await page.selectOption('#view-mode', 'rgb');

    // Pinned spectra: two pixels, then the CSV has their values per band.
    await clickPixel(page, '#cube-view canvas', 32, 32, 3, 4);
    await page.click('#pin-spectrum');
    await clickPixel(page, '#cube-view canvas', 32, 32, 30, 1);
    await page.click('#pin-spectrum');
    await expect.poll(() => page.textContent('#cube-spectrum')).toContain('pin (30, 1)');
    // Shift + drag from pixel (0, 0) to (1, 2): the mean spectrum of those 2 x 3 pixels.
    await page.locator('#cube-view canvas').scrollIntoViewIfNeeded();
    const vb = (await page.locator('#cube-view canvas').boundingBox())!;
    const xy = (row: number, col: number) =>
      [vb.x + ((col + 0.5) / 32) * vb.width, vb.y + ((row + 0.5) / 32) * vb.height] as const;
    await page.keyboard.down('Shift');
    await page.mouse.move(...xy(0, 0));
    await page.mouse.down();
    await page.mouse.move(...xy(1, 2), { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await expect.poll(() => page.textContent('#cube-spectrum')).toContain('mean rows 0-1 cols 0-2');
    const download = page.waitForEvent('download');
    await page.click('#pins-csv');
    const csvPath = join(out, 'pins.csv');
    await (await download).saveAs(csvPath);
    const rows = (await readFile(csvPath, 'utf8')).trim().split('\n');
    expect(rows[0]).toBe(
      'band,wavelength (Nanometers),row 3 col 4,row 30 col 1,mean rows 0-1 cols 0-2',
    );
    expect(rows).toHaveLength(32);
    const [b, wl, a1, a2, mean] = rows[1 + 15].split(',').map(Number);
    expect([b, wl]).toEqual([15, 550]);
    expect(a1).toBe(at(3, 4, 15));
    expect(a2).toBe(at(30, 1, 15));
    let sum = 0;
    for (const r of [0, 1]) for (const c of [0, 1, 2]) sum += at(r, c, 15);
    expect(mean).toBeCloseTo(sum / 6, 6);
    await page.click('#clear-pins');
  });

  it('opens GeoTIFF (pixel- and band-interleaved), NPY and MATLAB files of the same cube, with the same samples', async () => {
    const spectrumPoints = () =>
      page.$eval('#cube-spectrum polyline', (p) => p.getAttribute('points'));
    const pick = async () => {
      await clickPixel(page, '#cube-view canvas', 32, 32, 20, 5);
      await expect.poll(() => page.textContent('#cube-spectrum')).toContain('pixel row 20, col 5');
      return spectrumPoints();
    };
    const envi = await pick();
    const lr = await readEnvi(LR_FILES[0]);
    for (const [file, format, opts] of [
      ['lr.tif', 'TIF, float32, BIP', {}],
      ['lr-bands.tif', 'TIF, float32, BSQ', { interleave: 'bsq' as const }],
      ['lr.npy', 'NPY, float32, BIP', {}],
      ['lr.mat', 'MAT, float32', {}],
    ] as const) {
      await writeCube(join(out, file), lr, opts);
      await page.setInputFiles('#cube-input', [join(out, file)]);
      await waitFor(page, file, (s) => s.input?.name === file, '#cube-error');
      expect(await page.textContent('[data-field=format]')).toContain(format);
      expect(await page.textContent('[data-field=shape]')).toBe('32 rows x 32 cols x 31 bands');
      expect(await pick()).toBe(envi);
    }
    // A .mat with two cubes: the largest is read and named, the other can be chosen.
    const small = {
      ...lr,
      rows: 16,
      cols: 16,
      data: (toBipCube(lr).data as Float32Array).slice(0, 16 * 16 * 31),
      interleave: 'bip' as const,
      wavelengths: undefined,
    };
    const parts = [
      ...encodeMat(lr, { variable: 'reflectance' }),
      ...encodeMat(small, { variable: 'radiance' }).slice(1),
    ];
    await writeFile(join(out, 'two.mat'), Buffer.concat(parts));
    await page.setInputFiles('#cube-input', [join(out, 'two.mat')]);
    await waitFor(page, 'two.mat', (s) => s.input?.name === 'two.mat', '#cube-error');
    expect(await page.textContent('[data-field=variable]')).toMatch(
      /^reflectance \(of 2 3-D variables\)/,
    );
    await page.selectOption('#mat-variable', 'radiance');
    await waitFor(
      page,
      'the radiance variable',
      (s) => s.input?.rows === 16 && s.input,
      '#cube-error',
    );
    expect(await page.textContent('[data-field=shape]')).toBe('16 rows x 16 cols x 31 bands');
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
    // HDF5 with two cubes (PRISMA's VNIR and SWIR, rows x bands x cols): the larger, then the other.
    await page.setInputFiles('#cube-input', [PRISMA_HE5]);
    await waitFor(page, 'the HDF5 file', (s) => s.input?.name === 'prisma_like.he5', '#cube-error');
    expect(await page.textContent('[data-field=format]')).toContain('HDF5, uint16, BIL');
    expect(await page.textContent('[data-field=dataset]')).toMatch(
      /SWIR_Cube \(of 2 3-D datasets\)/,
    );
    expect(await page.textContent('[data-field=shape]')).toBe('14 rows x 18 cols x 9 bands');
    await page.selectOption('#mat-variable', '/HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields/VNIR_Cube');
    await waitFor(page, 'the VNIR cube', (s) => s.input?.bands === 6 && s.input, '#cube-error');
    expect(await page.textContent('[data-field=shape]')).toBe('14 rows x 18 cols x 6 bands');
  });

  it("a file the reader refuses: the error names hsi-data's class and the file, even minified", async () => {
    const bytes = await readFile(join(out, 'lr.tif'));
    await writeFile(join(out, 'lr_cut.tif'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await page.setInputFiles('#cube-input', [join(out, 'lr_cut.tif')]);
    await expect
      .poll(() => errorText(page, '#cube-error'))
      .toMatch(/^Hsi(Truncated|Format|Io)Error: lr_cut\.tif: /);
    expect(await errorText(page, '#cube-error')).not.toContain('/picked/');
    const cut = { name: 'lr_cut.img', bytes: (await readFile(LR_FILES[1])).subarray(0, 1000) };
    await writeFile(join(out, cut.name), cut.bytes);
    await writeFile(join(out, 'lr_cut.hdr'), await readFile(LR_FILES[0]));
    await page.setInputFiles('#cube-input', [join(out, 'lr_cut.hdr'), join(out, 'lr_cut.img')]);
    await expect
      .poll(() => errorText(page, '#cube-error'))
      .toMatch(/^HsiTruncatedError: lr_cut\.img: /);
  });

  it('auto picks WASM here (the GPU adapters are SwiftShader), says why, and equals Node wasm', async () => {
    await page.click('#sample-button');
    await waitFor(page, 'the sample', (s) => s.input?.name === 'balloons-lr-x4.hdr', '#cube-error');
    // The sample opens with the demo's model (fine-tuned on the other half of its scene).
    await waitFor(page, 'the sample model', (s) => s.model?.source.includes('CAVE balloons'));
    expect(await page.$eval('#model-select', (e) => (e as HTMLSelectElement).value)).toBe(
      'shipped:lkca-any-band-x4-cave',
    );
    // Here: the band-specific student, run tile by tile as Node's file pipeline runs it.
    await page.selectOption('#model-select', 'shipped:lkca-distilled-alpha0.1-x4');
    const model = await waitFor(
      page,
      'the student',
      (s) => s.model?.name === 'lkca_student' && s.model,
    );
    expect(model.scale).toBe(4);
    expect(model.runtime.backend).toBe('wasm');
    const [webgpu, webgl, wasm, cpu] = model.runtime.attempts;
    expect(webgpu).toMatchObject({
      runtime: 'webgpu',
      ok: false,
      adapter: expect.stringMatching(/swiftshader/i),
    });
    expect(webgpu.error).toMatch(/^skipped: a software adapter/);
    expect(webgl).toMatchObject({
      runtime: 'webgl',
      ok: false,
      adapter: expect.stringMatching(/SwiftShader/),
    });
    expect(wasm).toMatchObject({ runtime: 'wasm', ok: true, chosen: true });
    expect(wasm.ms).toBeGreaterThan(0);
    expect(cpu).toMatchObject({ runtime: 'cpu', ok: false });
    const info = await page.textContent('#runtime-info');
    expect(info).toMatch(/^Running on WASM \(WebAssembly/);
    expect(info).toMatch(/webgpu ✗ on google swiftshader.*skipped: a software adapter/);
    expect(await page.textContent('#fit-models')).toMatch(
      /^Models for 31 bands: ✓ lkca-distilled-alpha0\.1-x4/,
    );
    expect(await page.textContent('#model-info')).toContain('as in training');
    const sr = await runAndDownload(page, 'wasm', join(out, 'wasm'));
    expect([sr.rows, sr.cols, sr.bands, sr.interleave]).toEqual([128, 128, 31, 'bip']);
    expect(sr.wavelengths).toEqual(reference.wavelengths);
    expect(diffInModelUnits('page, WASM', sr.data, reference.data)).toBeLessThan(1e-5);
    const run = (await state(page))!.run!;
    expect(run.tensorsAfter).toBe(run.tensorsBefore);
    // One tile: the progress bar ends full.
    expect(
      await page.$eval('#progress', (p) => [
        (p as HTMLProgressElement).value,
        (p as HTMLProgressElement).max,
      ]),
    ).toEqual([1, 1]);
    expect(await page.textContent('#progress-text')).toMatch(/^done: 1 tile in/);

    // Scored against the ground truth in the page, as in Node (sspsr, data range = its peak).
    expect(await page.isVisible('#hr-sample')).toBe(true);
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
    // before and after, with the ground truth; bicubic is drawn after SR, dashed.
    await clickPixel(page, '#compare-view canvas', 128, 128, 109, 74);
    await expect
      .poll(() => page.textContent('#compare-spectra'))
      .toContain('SR pixel row 109, col 74 (LR row 27, col 18)');
    expect(
      await page.$$eval('#compare-spectra polyline', (p) => p.map((e) => e.getAttribute('stroke'))),
    ).toEqual(['#888', '#1f5fbf', '#e08a00', '#1a9c3c']);
    await page.fill('#compare-view input[type=range]', '70');
    await screenshot('playground-compare.png', '#compare-section');

    // Error maps against the ground truth: bicubic's and SR's, on one heat scale.
    await page.selectOption('#compare-mode', 'error');
    await expect.poll(() => page.textContent('#compare-view')).toContain('|SR − GT|');
    expect(await page.textContent('#compare-legend')).toMatch(/RMS over the 31 good bands/);
    const hot = (i: number) =>
      page.$$eval(
        '#compare-view canvas',
        (cs, k) => {
          const d = (cs[k] as HTMLCanvasElement)
            .getContext('2d')!
            .getImageData(0, 0, 128, 128).data;
          let sum = 0;
          for (let j = 0; j < d.length; j += 4) sum += d[j] + d[j + 1] + d[j + 2];
          return sum;
        },
        i,
      );
    // SR is closer to the ground truth than bicubic: its map is darker overall.
    expect(await hot(1)).toBeLessThan(await hot(0));
    await screenshot('playground-error-map.png', '#compare-section');
    await page.selectOption('#compare-mode', 'image');
  });

  it("Wald's check scores a cube without ground truth, as Node does", async () => {
    await page.click('#wald');
    const wald = await waitFor(page, "Wald's check", (s) => s.wald);
    expect(wald).toMatchObject({
      degraded: [8, 8],
      reference: [32, 32],
      run: { cancelled: false },
    });
    // Node: the same degradation, the shipped model through lkca-net's file pipeline, the same metrics.
    const lr = toBipCube(await readEnvi(LR_FILES[0]));
    const small = tf.tidy(() =>
      bicubicDownsample(tf.tensor3d(lr.data as Float32Array, [32, 32, 31]), 4),
    );
    const degraded: Cube = { ...lr, rows: 8, cols: 8, data: (await small.data()) as Float32Array };
    const bic = tf.tidy(() => bicubicUpsample(small, 4));
    const bicubic: Cube = { ...lr, data: (await bic.data()) as Float32Array };
    tf.dispose([small, bic]);
    const sr = await nodeSr(degraded, 'wald');
    let peak = 0;
    for (const v of lr.data) peak = Math.max(peak, v);
    const opts = { preset: 'sspsr' as const, scale: 4, dataRange: peak };
    const nodeSrScores = await computeMetrics(lr, sr, opts);
    const nodeBicubic = await computeMetrics(lr, bicubic, opts);
    expect(wald.metrics!.bicubic.mpsnr).toBeCloseTo(nodeBicubic.mpsnr, 3);
    expect(wald.metrics!.sr.mpsnr).toBeCloseTo(nodeSrScores.mpsnr, 2);
    expect(wald.metrics!.sr.sam).toBeCloseTo(nodeSrScores.sam, 2);
    expect(await page.$$eval('#wald-out tbody tr', (r) => r.length)).toBe(2);
    expect(await page.textContent('#wald-out')).toContain("Wald's protocol");
  });

  it('runs x4 SR on WebGPU when forced; the downloaded ENVI equals Node wasm to 1e-3', async () => {
    await page.selectOption('#runtime', 'webgpu');
    const model = await waitFor(
      page,
      'the WebGPU runtime',
      (s) => s.model?.runtime.backend === 'webgpu' && s.model,
    );
    expect(model.runtime.attempts).toEqual([
      { runtime: 'webgpu', ok: true, chosen: true, adapter: expect.stringMatching(/swiftshader/) },
    ]);
    expect(await page.textContent('#runtime-info')).toMatch(
      /^Running on WEBGPU \(google swiftshader.*\(forced by you\)/,
    );
    const sr = await runAndDownload(page, 'webgpu', join(out, 'webgpu'));
    expect(diffInModelUnits('page, WebGPU', sr.data, reference.data)).toBeLessThan(1e-3);
  });

  it('a cube cannot be opened while tiles run (so results never mix); Cancel stops between tiles, no tensor left', async () => {
    await page.fill('#tile', '12');
    await page.fill('#overlap', '4');
    await page.click('#run');
    await expect
      .poll(() => page.textContent('#progress-text'), { timeout: 60_000 })
      .toMatch(/^tile [1-9]\d* \/ 16$/);
    expect(await page.$eval('#cube-input', (e) => (e as HTMLInputElement).disabled)).toBe(true);
    expect(await page.$eval('#sample-button', (e) => (e as HTMLButtonElement).disabled)).toBe(true);
    // Even files handed to the input anyway (as a drop would) are refused, naming the run.
    await page.setInputFiles('#cube-input', [join(out, 'lr.npy')]);
    await expect
      .poll(() => errorText(page, '#cube-error'))
      .toMatch(
        /^PlaygroundInputError: lr\.npy: not opened, super-resolution is running on balloons-lr-x4\.hdr/,
      );
    await page.click('#cancel');
    const run = await waitFor(page, 'the cancelled run', (s) => s.run);
    expect(run.cancelled).toBe(true);
    expect(run.tiles.total).toBe(16);
    expect(run.tiles.done).toBeLessThan(16);
    expect(run.tensorsAfter).toBe(run.tensorsBefore);
    expect(await page.textContent('#progress-text')).toMatch(/^cancelled after \d+ of 16 tiles/);
    expect((await state(page))!.input!.name).toBe('balloons-lr-x4.hdr');
    expect(await page.$eval('#cube-input', (e) => (e as HTMLInputElement).disabled)).toBe(false);
    await page.fill('#tile', '32');
    await page.fill('#overlap', '8');
    await page.selectOption('#runtime', 'auto');
    await waitFor(page, 'auto again', (s) => s.model?.runtime.backend === 'wasm' && s.model);
  });

  it('a non-square cube with no-data bands, bbl and georeferencing: masked, kept, restored', async () => {
    // The sample cropped to 31 x 23, band 0 all no-data (EnMAP style), band 30 flagged bad,
    // one no-data sample, with map info, a coordinate system, fwhm and the no-data value.
    const full = toBipCube(await readEnvi(LR_FILES[0]));
    const [rows, cols, bands] = [31, 23, 31];
    const data = new Float32Array(rows * cols * bands);
    for (let r = 0; r < rows; r++)
      data.set(full.data.subarray(r * 32 * bands, (r * 32 + cols) * bands), r * cols * bands);
    for (let p = 0; p < rows * cols; p++) data[p * bands] = -32768;
    data[(3 * cols + 5) * bands + 10] = -32768;
    const cube: Cube = {
      ...full,
      rows,
      cols,
      data,
      noDataValue: -32768,
      mapInfo: 'UTM, 1, 1, 500000, 5800000, 30, 30, 33, North, WGS-84, units=Meters',
      coordinateSystem: 'PROJCS["WGS_1984_UTM_Zone_33N"]',
      fwhm: Array.from({ length: bands }, (_, b) => 5 + b / 10),
      metadata: { bbl: Array.from({ length: bands }, (_, b) => (b === 30 ? '0' : '1')) },
    };
    await writeCube(join(out, 'scene.hdr'), cube);
    await page.setInputFiles('#cube-input', [join(out, 'scene.hdr'), join(out, 'scene.img')]);
    const input = await waitFor(
      page,
      'the no-data cube',
      (s) => s.input?.name === 'scene.hdr' && s.input,
      '#cube-error',
    );
    expect(input).toMatchObject({ rows, cols, bands, noDataValue: -32768 });
    expect(input.goodBands).toEqual(Array.from({ length: 29 }, (_, k) => k + 1));
    const noData = await page.textContent('[data-field=no-data]');
    expect(noData).toContain('bad bands (bbl = 0): 30');
    expect(noData).toContain('bands with no valid sample: 0');
    expect(noData).toContain('1 no-data samples');
    // The sample's ground truth does not fit this cube: not offered.
    expect(await page.isVisible('#hr-sample')).toBe(false);
    // Aspect ratio kept: 23 wide, 31 high.
    const box = (await page.locator('#cube-view canvas').boundingBox())!;
    expect(box.width / box.height).toBeCloseTo(cols / rows, 2);
    expect(Math.max(box.width, box.height)).toBeCloseTo(384, 0);
    // The spectrum: the two bad bands shaded and left out, the line from the 29 others.
    await clickPixel(page, '#cube-view canvas', rows, cols, 7, 9);
    await expect.poll(() => page.textContent('#cube-spectrum')).toContain('pixel row 7, col 9');
    expect(await page.$$eval('#cube-spectrum rect.masked-band', (r) => r.length)).toBe(2);
    const points = await page.$eval('#cube-spectrum polyline', (p) =>
      p.getAttribute('points')!.split(' '),
    );
    expect(points).toHaveLength(29);
    expect(await page.textContent('#cube-spectrum')).not.toContain('-32,768');

    // SR: the network gets the filled cube (Node, same filling, same model: equal), the download
    // has no-data back in the bad bands and under the no-data sample, and the georeferencing.
    const sr = await runAndDownload(page, 'wasm', join(out, 'scene'), 'scene_sr_x4.hdr');
    const mask = cubeMask(toBipCube(cube) as never);
    const filled: Cube = {
      ...cube,
      data: networkInput(toBipCube(cube) as never, mask),
      noDataValue: undefined,
      metadata: {},
    };
    const node = await nodeSr(filled, 'scene-node');
    expect([sr.rows, sr.cols, sr.bands]).toEqual([rows * 4, cols * 4, bands]);
    const H = { rows: rows * 4, cols: cols * 4, bands };
    const good = (c: Cube) =>
      selectBands({ ...H, data: c.data as Float32Array }, mask.goodBands).data;
    const pageGood = good(sr);
    const nodeGood = good(node);
    let diff = 0;
    let restored = 0;
    for (let i = 0; i < pageGood.length; i++)
      if (pageGood[i] === -32768) restored++;
      else diff = Math.max(diff, Math.abs(pageGood[i] - nodeGood[i]));
    console.info(
      `no-data cube, page vs Node wasm: max |diff| ${(diff / MODEL_UNIT).toExponential(2)} (model units)`,
    );
    expect(diff / MODEL_UNIT).toBeLessThan(1e-5);
    // The one no-data LR sample (row 3, col 5, band 10) is a 4 x 4 block of no-data in band 10.
    expect(restored).toBe(16);
    for (let R = 12; R < 16; R++)
      for (let C = 20; C < 24; C++) expect(sr.data[(R * cols * 4 + C) * bands + 10]).toBe(-32768);
    for (let p = 0; p < H.rows * H.cols; p++) {
      expect(sr.data[p * bands]).toBe(-32768);
      expect(sr.data[p * bands + 30]).toBe(-32768);
    }
    expect(sr.noDataValue).toBe(-32768);
    // Same upper-left corner, pixel size / 4.
    expect(sr.mapInfo).toBe(
      'UTM, 1, 1, 500000, 5800000, 7.5, 7.5, 33, North, WGS-84, units=Meters',
    );
    expect(sr.coordinateSystem).toBe('PROJCS["WGS_1984_UTM_Zone_33N"]');
    expect(sr.fwhm).toEqual(cube.fwhm);
    expect(sr.metadata?.bbl).toEqual(cube.metadata?.bbl);
    expect(sr.wavelengthUnits).toBe(full.wavelengthUnits);
    expect(sr.wavelengths).toEqual(full.wavelengths);
    // The compare view keeps the aspect ratio too.
    const cbox = (await page.locator('#compare-view canvas').first().boundingBox())!;
    expect(cbox.width / cbox.height).toBeCloseTo(cols / rows, 2);
    await screenshot('playground-no-data.png', '#cube-section');

    // Wald's check without ground truth: scores for SR and bicubic on the 29 good bands.
    await page.click('#wald');
    const wald = await waitFor(page, "Wald's check", (s) => s.wald);
    expect(wald).toMatchObject({ degraded: [7, 5], reference: [28, 20] });
    expect(wald.metrics!.bands).toBe(29);
    for (const m of [wald.metrics!.sr, wald.metrics!.bicubic])
      for (const k of ['mpsnr', 'mssim', 'sam', 'ergas', 'cc', 'rmse'] as const)
        expect(Number.isFinite(m[k])).toBe(true);
    // Bicubic's row, in Node: the filled cube cropped to 28 x 20, degraded and upsampled, scored
    // on the good bands against the cube as it is (its no-data pixel skipped).
    const crop = (d: Float32Array) => {
      const o = new Float32Array(28 * 20 * bands);
      for (let r = 0; r < 28; r++)
        o.set(d.subarray(r * cols * bands, (r * cols + 20) * bands), r * 20 * bands);
      return o;
    };
    const ref = selectBands({ rows: 28, cols: 20, bands, data: crop(data) }, mask.goodBands);
    const bic = tf.tidy(() =>
      bicubicUpsample(
        bicubicDownsample(tf.tensor3d(crop(filled.data as Float32Array), [28, 20, bands]), 4),
        4,
      ),
    );
    const bicGood = selectBands(
      { rows: 28, cols: 20, bands, data: (await bic.data()) as Float32Array },
      mask.goodBands,
    );
    bic.dispose();
    let peak = 0;
    for (const v of ref.data) if (v !== -32768) peak = Math.max(peak, v);
    const asCube = (i: typeof ref): Cube => ({ ...i, interleave: 'bip' });
    const nodeBic = await computeMetrics(asCube(ref), asCube(bicGood), {
      preset: 'sspsr',
      scale: 4,
      dataRange: peak,
      noDataValue: -32768,
    });
    expect(wald.metrics!.bicubic.mpsnr).toBeCloseTo(nodeBic.mpsnr, 3);
    expect(wald.metrics!.dataRange).toBe(peak);
  });

  it('a 20-band cube: the page says the 31-band model does not fit, takes the any-band model, equals Node', async () => {
    const full = toBipCube(await readEnvi(LR_FILES[0]));
    const bands = 20;
    const data = new Float32Array(32 * 32 * bands);
    for (let p = 0; p < 32 * 32; p++)
      data.set(full.data.subarray(p * 31 + 5, p * 31 + 5 + bands), p * bands);
    const cube: Cube = {
      ...full,
      bands,
      data,
      wavelengths: full.wavelengths?.slice(5, 5 + bands),
    };
    await writeCube(join(out, 'twenty.hdr'), cube);
    await page.setInputFiles('#cube-input', [join(out, 'twenty.hdr'), join(out, 'twenty.img')]);
    await waitFor(page, 'the 20-band cube', (s) => s.input?.name === 'twenty.hdr', '#cube-error');
    const fit = await page.textContent('#fit-models');
    expect(fit).toContain('Models for 20 bands: ✗ lkca-distilled-alpha0.1-x4 (x4, 31 bands)');
    expect(fit).toContain('✓ lkca-any-band-x4 (x4, any band count)');
    const model = await waitFor(page, 'the any-band model', (s) => s.model?.anyBand && s.model);
    expect(model).toMatchObject({ scale: 4, bands: 8, untrained: false });
    expect(await page.$eval('#model-select', (e) => (e as HTMLSelectElement).value)).toBe(
      'shipped:lkca-any-band-x4',
    );
    expect(await page.textContent('#model-info')).toContain('any band count (groups of 8 bands)');
    const sr = await runAndDownload(page, 'wasm', join(out, 'twenty'), 'twenty_sr_x4.hdr');
    expect([sr.rows, sr.cols, sr.bands]).toEqual([128, 128, bands]);
    const run = (await state(page))!.run!;
    expect(run.tensorsAfter).toBe(run.tensorsBefore);
    // Node: the same shipped folder through lkca-net's own any-band loader, the same LR tiles.
    const anyBand = await loadAnyBandModel(ANY_BAND);
    const node = await anyBand.predict(cube, { tile: 32 });
    anyBand.dispose();
    const rel = diffToPeak(sr.data, node.data);
    console.info(`any-band, page vs Node wasm: max |diff| ${rel.toExponential(2)} of the peak`);
    expect(rel).toBeLessThan(1e-4);
  });

  it('the demo model with the self-ensemble on the sample: equals Node, +1 dB over bicubic and a lower SAM', async () => {
    await page.click('#sample-button');
    await waitFor(page, 'the sample', (s) => s.input?.name === 'balloons-lr-x4.hdr', '#cube-error');
    // The sample opens with the demo's model by itself.
    await waitFor(
      page,
      'the demo model',
      (s) => s.model?.anyBand && s.model.source.includes('CAVE balloons') && s.model,
    );
    expect(await page.$eval('#model-select', (e) => (e as HTMLSelectElement).value)).toBe(
      'shipped:lkca-any-band-x4-cave',
    );
    await page.check('#self-ensemble');
    try {
      const sr = await runAndDownload(page, 'wasm', join(out, 'cave-x8'));
      const run = (await state(page))!.run!;
      expect(run.selfEnsemble).toBe(true);
      expect(run.tensorsAfter).toBe(run.tensorsBefore);
      expect(await page.textContent('#progress-text')).toMatch(/self-ensemble x8$/);
      // Node: the same shipped folder, the same LR tiles, the same 8 transforms.
      const cave = await loadAnyBandModel(CAVE_MODEL);
      const node = await cave.predict(await readEnvi(LR_FILES[0]), {
        tile: 32,
        selfEnsemble: true,
      });
      cave.dispose();
      const rel = diffToPeak(sr.data, node.data);
      expect(rel).toBeLessThan(1e-4);
      // Scored in the page against the ground truth: what `lkca demo` reports for this quadrant.
      await page.click('#hr-sample');
      const metrics = await waitFor(page, 'the metrics', (s) => s.metrics, '#compare-error');
      expect(metrics.sr.mpsnr - metrics.bicubic.mpsnr).toBeGreaterThanOrEqual(1.0);
      expect(metrics.sr.sam).toBeLessThan(metrics.bicubic.sam);
      await screenshot('playground-overview.png');
    } finally {
      await page.uncheck('#self-ensemble');
    }
  });

  it('analyses the upsampler of the loaded model: singular values and the params a cut saves', async () => {
    // The sample is open (the test before opened it again and waited for its model, so no load
    // is pending that could switch the model back): to the 31-band student.
    expect((await state(page))?.input?.name).toBe('balloons-lr-x4.hdr');
    await page.selectOption('#model-select', 'shipped:lkca-distilled-alpha0.1-x4');
    await waitFor(page, 'the student', (s) => s.model?.name === 'lkca_student' && s.model);
    await page.click('#analyze');
    const lr = await waitFor(page, 'the analysis', (s) => s.lowRank);
    expect(lr.modelParams).toBe(92_480);
    expect(lr.layers).toEqual([
      { layer: 'upsampler_lr_a', fullRank: 16, params: 9216 },
      { layer: 'upsampler', fullRank: 16, params: 8432 },
    ]);
    expect(await page.$$eval('#lowrank-out svg', (s) => s.length)).toBe(2);
  });

  it('a model picked while the sample is still loading is kept when the sample arrives', async () => {
    await page.setInputFiles('#cube-input', [join(out, 'twenty.hdr'), join(out, 'twenty.img')]);
    await waitFor(page, 'the 20-band cube', (s) => s.input?.name === 'twenty.hdr', '#cube-error');
    // The sample's files are held back until the pick has been made.
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    await page.route('**/sample/**', async (route) => {
      await held;
      await route.continue();
    });
    try {
      await page.click('#sample-button');
      await page.selectOption('#model-select', 'shipped:lkca-any-band-x4');
      await waitFor(
        page,
        'the generic any-band model',
        (s) => s.model?.anyBand && !s.model.source.includes('CAVE balloons') && s.model,
      );
      release();
      await waitFor(page, 'the sample', (s) => s.input?.name === 'balloons-lr-x4.hdr');
      // Whatever the sample's arrival would load has had its turn.
      await page.waitForTimeout(500);
      expect(await page.$eval('#model-select', (e) => (e as HTMLSelectElement).value)).toBe(
        'shipped:lkca-any-band-x4',
      );
      const model = (await state(page))!.model!;
      expect(model.anyBand).toBe(true);
      expect(model.source).not.toContain('CAVE balloons');
    } finally {
      release();
      await page.unroute('**/sample/**');
    }
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

  it('x2: the shipped any-band x2 model runs and equals Node; an untrained student is labelled as such', async () => {
    await page.selectOption('#scale', '2');
    await waitFor(page, 'the x2 model', (s) => s.model?.scale === 2 && s.model.anyBand && s.model);
    expect(await page.isVisible('#scale-note')).toBe(false);
    const sr = await runAndDownload(page, 'wasm', join(out, 'x2'), 'balloons-lr-x4_sr_x2.hdr');
    expect([sr.rows, sr.cols, sr.bands]).toEqual([64, 64, 31]);
    const x2 = await loadAnyBandModel(ANY_BAND_X2);
    const node = await x2.predict(await readEnvi(LR_FILES[0]), { tile: 32 });
    x2.dispose();
    const rel = diffToPeak(sr.data, node.data);
    expect(rel).toBeLessThan(1e-4);
    await page.selectOption('#model-select', 'untrained:2');
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

  it('x2 gives an untrained model no "as in training"; x4 brings the shipped model back', async () => {
    expect(await page.textContent('#model-info')).not.toContain('as in training');
    await page.selectOption('#scale', '4');
    await waitFor(page, 'the shipped model', (s) => s.model?.name === 'lkca_student' && s.model);
    expect(await page.textContent('#model-info')).toContain('as in training');
  });

  it('x8: the shipped cascade (x4 then x2) runs and equals the two models run by hand in Node; analyse and save are refused', async () => {
    await page.selectOption('#scale', '8');
    const model = await waitFor(page, 'the x8 cascade', (s) => s.model?.scale === 8 && s.model);
    expect(model).toMatchObject({ name: 'lkca-any-band-x8', anyBand: true });
    expect(model.stages).toEqual([
      { name: 'lkca-any-band-x4', scale: 4 },
      { name: 'lkca-any-band-x2', scale: 2 },
    ]);
    expect(await page.isVisible('#scale-note')).toBe(false);
    expect(await page.textContent('#model-info')).toContain(
      'runs lkca-any-band-x4 (x4) then lkca-any-band-x2 (x2)',
    );
    const sr = await runAndDownload(page, 'wasm', join(out, 'x8'), 'balloons-lr-x4_sr_x8.hdr');
    expect([sr.rows, sr.cols, sr.bands]).toEqual([256, 256, 31]);
    const run = (await state(page))?.run;
    expect(run?.tensorsAfter).toBe(run?.tensorsBefore);
    const stages = [await loadAnyBandModel(ANY_BAND), await loadAnyBandModel(ANY_BAND_X2)];
    let node = await readEnvi(LR_FILES[0]);
    for (const st of stages) node = await st.predict(node, { tile: 32 });
    expect(model.params).toBe(stages.reduce((p, st) => p + st.core.countParams(), 0));
    for (const st of stages) st.dispose();
    expect(diffToPeak(sr.data, node.data)).toBeLessThan(1e-4);
    await page.click('#analyze');
    await page.waitForFunction(() =>
      document.querySelector('#lowrank-out')?.textContent?.includes('cascade'),
    );
    expect(await page.textContent('#lowrank-out')).toContain(
      'is a cascade of lkca-any-band-x4 then lkca-any-band-x2: load one of those models to analyse its upsampler',
    );
    await page.click('#idb-save');
    await page.waitForFunction(() => !(document.querySelector('#sr-error') as HTMLElement).hidden);
    expect(await page.textContent('#sr-error')).toContain('load one of those models to save it');
    await page.selectOption('#scale', '4');
    await waitFor(page, 'an x4 model', (s) => s.model?.scale === 4 && s.model);
  });

  it('without WebGPU: auto still picks WASM (WebGL is SwiftShader); WebGL forced runs and equals Node', async () => {
    const { chromium } = await import('playwright-core');
    // No --enable-unsafe-webgpu: navigator.gpu is missing in the worker.
    const other = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
    try {
      const p = await openPage(other);
      await p.setInputFiles('#cube-input', LR_FILES);
      const model = await waitFor(p, 'the model on auto', (s) => s.model);
      expect(model.runtime.attempts.map((a) => [a.runtime, a.ok, !!a.chosen])).toEqual([
        ['webgpu', false, false],
        ['webgl', false, false],
        ['wasm', true, true],
        ['cpu', false, false],
      ]);
      expect(model.runtime.attempts[0].error).toMatch(/webgpu/);
      expect(model.runtime.attempts[1].error).toMatch(/^skipped: a software adapter/);
      await p.selectOption('#runtime', 'webgl');
      const forced = await waitFor(
        p,
        'WebGL',
        (s) => s.model?.runtime.backend === 'webgl' && s.model,
      );
      expect(forced.runtime.attempts.map((a) => [a.runtime, a.ok])).toEqual([['webgl', true]]);
      expect(await p.textContent('#runtime-info')).toMatch(/^Running on WEBGL .*webgl ✓/);
      const sr = await runAndDownload(p, 'webgl', join(out, 'webgl'));
      expect(diffInModelUnits('page, WebGL', sr.data, reference.data)).toBeLessThan(1e-3);
    } finally {
      await other.close();
    }
  });

  it('logged no uncaught error in any page', () => {
    expect(pageErrors).toEqual([]);
  });

  it('fetched nothing from outside the app (no CDN)', () => {
    expect(outside).toEqual([]);
    expect(server.requests).toContain('/tfjs-wasm/tfjs-backend-wasm-simd.wasm');
    expect(server.requests).toContain('/models/lkca-distilled-alpha0.1-x4/model.json');
  });
});
