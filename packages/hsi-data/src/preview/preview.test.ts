import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackends } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { bipCube, metricFixtureMeta, sceneCube } from '../../test/metric-fixtures.js';
import { HsiConfigError, HsiFormatError, HsiShapeError } from '../errors.js';
import { falseColor, pickRgbBands, type RgbImage } from './false-color.js';
import { composeGrid } from './grid.js';
import { PNG } from 'pngjs';
import { writePng } from '../node/png-file.js';
import { decodePng, encodePng } from './png.js';

const meta = metricFixtureMeta('balloons');
const [rows, cols, bands] = meta.shape as number[];
// CAVE balloons: band k is 400 + 10 k nm (SOURCES.md).
const balloons = sceneCube('balloons', undefined, {
  wavelengths: Array.from({ length: bands }, (_, k) => 400 + 10 * k),
  wavelengthUnits: 'nm',
});

const dir = mkdtempSync(join(tmpdir(), 'hsi-preview-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pickRgbBands', () => {
  it('finds the bands nearest 640/550/460 nm, in nm or micrometres, or takes indices', () => {
    expect(pickRgbBands(balloons)).toEqual([24, 15, 6]);
    const um = {
      bands: 31,
      wavelengths: balloons.wavelengths!.map((w) => w / 1000),
      wavelengthUnits: 'Micrometers',
    };
    expect(pickRgbBands(um)).toEqual([24, 15, 6]);
    expect(pickRgbBands({ bands: 31, wavelengths: um.wavelengths })).toEqual([24, 15, 6]);
    expect(pickRgbBands(balloons, { wavelengthsNm: [700, 400, 557] })).toEqual([30, 0, 16]);
    expect(pickRgbBands(balloons, { bands: [3, 2, 1] })).toEqual([3, 2, 1]);
    expect(pickRgbBands({ bands: 11 })).toEqual([8, 5, 2]);
    expect(() => pickRgbBands(balloons, { bands: [0, 1, 31] })).toThrow(HsiConfigError);
    expect(() => pickRgbBands({ bands: 3, wavelengths: [1, 2] })).toThrow(HsiShapeError);
  });
});

describe('falseColor', () => {
  it('stretches each channel between its 2nd and 98th percentiles (numpy values)', async () => {
    const { image, bands: rgb, stretch } = await falseColor(balloons, { bands: [0, 17, 30] });
    expect(rgb).toEqual([0, 17, 30]);
    expect([image.width, image.height]).toEqual([cols, rows]);
    const p2 = meta.percentiles.perBand.p2;
    const p98 = meta.percentiles.perBand.p98;
    expect(stretch.low[1]).toBeCloseTo(p2[17], 7);
    expect(stretch.high[2]).toBeCloseTo(p98[30], 7);
    // Every byte is the clipped linear map of its sample; about 2 % saturate at each end.
    let sat0 = 0;
    let sat255 = 0;
    for (let p = 0; p < rows * cols; p++) {
      const v = balloons.data[p * bands + 17];
      const t = Math.min(1, Math.max(0, (v - p2[17]) / (p98[17] - p2[17])));
      expect(Math.abs(image.data[p * 4 + 1] - t * 255)).toBeLessThanOrEqual(0.5 + 1e-3);
      if (image.data[p * 4 + 1] === 0) sat0++;
      if (image.data[p * 4 + 1] === 255) sat255++;
      expect(image.data[p * 4 + 3]).toBe(255);
    }
    expect(sat0 / (rows * cols)).toBeGreaterThan(0.015);
    expect(sat0 / (rows * cols)).toBeLessThan(0.04);
    expect(sat255 / (rows * cols)).toBeGreaterThan(0.015);
  });

  it('reuses given limits, so SR and GT share a stretch; rejects bad options', async () => {
    const first = await falseColor(balloons);
    const again = await falseColor(balloons, { stretch: first.stretch });
    expect(again.image.data).toEqual(first.image.data);
    const flat = bipCube(2, 2, 3, 0.3);
    const grey = await falseColor(flat);
    expect(Array.from(grey.image.data.subarray(0, 4))).toEqual([128, 128, 128, 255]);
    await expect(falseColor(balloons, { percentiles: [98, 2] })).rejects.toThrow(HsiConfigError);
    await expect(falseColor(balloons, { gamma: 0 })).rejects.toThrow(/gamma/);
  });
});

describeBackends('falseColor of tensors', () => {
  it('a [h, w, B] tensor renders like the Cube and is not disposed', async () => {
    const x = tf.tensor3d(balloons.data as Float32Array, [rows, cols, bands]);
    const before = tf.memory().numTensors;
    const fromTensor = await falseColor(x, { wavelengths: balloons.wavelengths });
    const fromCube = await falseColor(balloons);
    expect(fromTensor.bands).toEqual([24, 15, 6]);
    expect(fromTensor.image.data).toEqual(fromCube.image.data);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

const solid = (w: number, h: number, rgb: [number, number, number]): RgbImage => {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return { width: w, height: h, data };
};
const px = (im: RgbImage, x: number, y: number) =>
  Array.from(im.data.subarray((y * im.width + x) * 4, (y * im.width + x) * 4 + 4));

describe('composeGrid', () => {
  it('lays cells out with borders, enlarging small images by whole factors (nearest)', () => {
    const lr = solid(2, 2, [255, 0, 0]);
    lr.data.set([0, 0, 255, 255], 0); // top-left LR pixel blue
    const gt = solid(8, 8, [0, 255, 0]);
    const g = composeGrid([lr, gt], { border: 2, background: [10, 20, 30] });
    expect([g.width, g.height]).toEqual([2 * 8 + 3 * 2, 8 + 2 * 2]);
    expect(px(g, 0, 0)).toEqual([10, 20, 30, 255]);
    // LR x4: the blue pixel covers a 4 x 4 block at the cell's corner.
    expect(px(g, 2, 2)).toEqual([0, 0, 255, 255]);
    expect(px(g, 5, 5)).toEqual([0, 0, 255, 255]);
    expect(px(g, 6, 2)).toEqual([255, 0, 0, 255]);
    expect(px(g, 10, 5)).toEqual([10, 20, 30, 255]); // border between the cells
    expect(px(g, 12, 2)).toEqual([0, 255, 0, 255]);
    const noScale = composeGrid([lr, gt], { border: 0, upscale: 'none' });
    expect(px(noScale, 0, 0)).toEqual([255, 255, 255, 255]); // LR centred: corner is background
    expect(px(noScale, 3, 3)).toEqual([0, 0, 255, 255]);
    const two = composeGrid([lr, gt, gt, gt], { columns: 2, border: 1 });
    expect([two.width, two.height]).toEqual([2 * 8 + 3, 2 * 8 + 3]);
    expect(() => composeGrid([])).toThrow(HsiShapeError);
    expect(() => composeGrid([lr], { columns: 0 })).toThrow(HsiConfigError);
  });
});

describe('PNG files', () => {
  it('writes atomically and decodes back to the same pixels', async () => {
    const { image } = await falseColor(balloons);
    const path = join(dir, 'balloons.png');
    await writePng(path, image);
    const back = decodePng(readFileSync(path));
    expect([back.width, back.height]).toEqual([image.width, image.height]);
    expect(back.data).toEqual(image.data);
    expect(readdirSync(dir)).toEqual(['balloons.png']);
    expect(new TextDecoder().decode(encodePng(image).subarray(1, 4))).toBe('PNG');
  });
  it('a failed write leaves the old file and no temporary file', async () => {
    const path = join(dir, 'keep.png');
    writeFileSync(path, 'old');
    // Renaming a file over a directory fails after the temp file was written.
    const blocked = join(dir, 'blocked.png');
    rmSync(blocked, { force: true });
    mkdirSync(blocked);
    await expect(writePng(blocked, solid(2, 2, [1, 2, 3]))).rejects.toThrow();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.partial'))).toEqual(
      [],
    );
    expect(readFileSync(path, 'utf8')).toBe('old');
    await expect(
      writePng(join(dir, 'x.png'), { width: 2, height: 2, data: new Uint8Array(3) }),
    ).rejects.toThrow(/needs 16 bytes, got 3/);
    expect(existsSync(join(dir, 'x.png'))).toBe(false);
  });
});

describe('PNG encoding and decoding in plain JS, checked against pngjs', () => {
  const noisy = (w: number, h: number, seed: number): RgbImage => {
    const data = new Uint8Array(w * h * 4);
    let x = seed;
    for (let i = 0; i < data.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      // Smooth ramps plus noise, so every filter type wins on some row.
      data[i] = (((i >> 2) % w) * 3 + (i % 4) * 40 + ((x >>> 24) & 7)) & 0xff;
    }
    return { width: w, height: h, data };
  };

  it('pngjs decodes what encodePng writes to the same pixels (the false-colour view and noise)', async () => {
    const { image } = await falseColor(balloons);
    for (const img of [image, noisy(37, 11, 1), noisy(1, 1, 2)]) {
      const back = PNG.sync.read(Buffer.from(encodePng(img)));
      expect([back.width, back.height]).toEqual([img.width, img.height]);
      expect(new Uint8Array(back.data)).toEqual(img.data);
    }
  });

  it('decodePng reads what pngjs writes: RGBA, RGB, grey, grey + alpha, 16-bit, every filter', () => {
    const img = noisy(29, 13, 3);
    for (const colorType of [6, 2, 0, 4] as const)
      for (const filterType of [-1, 0, 1, 2, 3, 4])
        for (const bitDepth of [8, 16] as const) {
          const png = new PNG({ width: 29, height: 13, colorType, filterType, bitDepth });
          png.data = Buffer.from(img.data);
          const bytes = PNG.sync.write(png, { colorType, filterType, bitDepth });
          const ours = decodePng(bytes);
          const theirs = PNG.sync.read(bytes);
          expect([ours.width, ours.height]).toEqual([29, 13]);
          expect(ours.data, `type ${colorType}, filter ${filterType}, ${bitDepth} bit`).toEqual(
            new Uint8Array(theirs.data),
          );
        }
  });

  it('bad bytes are a HsiFormatError naming the chunk', () => {
    const bytes = encodePng(noisy(4, 4, 5));
    expect(() => decodePng(bytes.subarray(4), 'x.png')).toThrow(/x\.png: signature: not a PNG/);
    const corrupt = bytes.slice();
    corrupt[45] ^= 0xff; // inside IDAT's data (signature 8 + IHDR 25 + IDAT length and type 8)
    expect(() => decodePng(corrupt, 'x.png')).toThrow(HsiFormatError);
    expect(() => decodePng(corrupt, 'x.png')).toThrow(/IDAT: CRC mismatch/);
  });
});
