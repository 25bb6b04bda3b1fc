import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dihedralInverse, dihedralTransform } from '@hsrkit/hsi-data';
import { type BipCube, readCube, toBipCube, writeCube } from '@hsrkit/hsi-data/node';
import { maxAbsDiff, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESPCN_RADIUS, espcn } from '../test/espcn.js';
import { saveModel } from './model-files.js';
import { withModelMetadata } from './model-metadata.js';
import { startTileWorkers } from './tile-workers.js';
import { modelTileRunner } from './tiled-inference.js';
import { upscaleFile } from './upscale-file.js';
import { UpscaleInputError } from './upscale-input-error.js';
import { upscaleFileWithModel } from './upscale-with-model.js';

// A real cube (the top-left 24 x 20 x 156 of the Samson scene, ENVI int16 BSQ with map info; see
// fixtures/SOURCES.md) upscaled x2 by a plain ESPCN, a model built without LKCA-Net.
const fixture = fileURLToPath(new URL('../fixtures/samson_crop.hdr', import.meta.url));
const bands = 156;
const scale = 2;
// Tiles share 4x the receptive field radius: blending is then exact (docs/ARCHITECTURE.md).
const overlap = 4 * ESPCN_RADIUS;

describe('upscaleFile with a plain ESPCN', () => {
  let dir: string;
  let input: string;
  let lr: BipCube;
  let peak: number;
  let model: tf.LayersModel;
  let modelDir: string;
  /** One predict of the whole image, in the input's units: the reference for every tiled run. */
  let whole: Float32Array;

  beforeAll(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'hsrkit-upscale-'));
    // The fixture's ENVI pair, copied so the test's outputs sit beside it.
    input = join(dir, 'lr.hdr');
    await copyFile(fixture, input);
    await copyFile(fixture.replace(/\.hdr$/, '.img'), join(dir, 'lr.img'));
    lr = toBipCube(await readCube(input));
    peak = lr.data.reduce((m, v) => Math.max(m, v), 0);
    model = espcn(bands, scale);
    // The model works on values / peak, as training with global-max normalisation records it.
    withModelMetadata(model, {
      scale,
      bands,
      normalization: {
        version: 1,
        spec: { method: 'global-max' },
        bands,
        offset: [0],
        scale: [peak],
        clipped: false,
      },
    });
    modelDir = join(dir, 'espcn');
    await saveModel(model, modelDir);
    const x = tf.tensor4d(
      Float32Array.from(lr.data, (v) => v / peak),
      [1, lr.rows, lr.cols, bands],
    );
    const y = model.predict(x) as tf.Tensor;
    whole = Float32Array.from(await y.data(), (v) => v * peak);
    tf.dispose([x, y]);
  });
  afterAll(async () => {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  /** Max |tiled - whole| relative to the output's range. */
  const relativeError = (data: ArrayLike<number>) => {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of whole) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return maxAbsDiff(data, whole) / (hi - lo);
  };

  it('file to ENVI file on 2 worker threads equals one whole-image predict; map info scaled', async () => {
    const before = tf.memory().numTensors;
    const devices: string[] = [];
    const output = join(dir, 'sr.hdr');
    const res = await upscaleFileWithModel(input, output, {
      modelPath: modelDir,
      workers: 2,
      runtime: 'wasm',
      tile: 20,
      overlap,
      onWorkers: (d) => devices.push(...d),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(res.devices).toHaveLength(2);
    expect(devices).toEqual(res.devices);
    // Each worker runs the ESPCN's conv + PixelShuffle tail in @hsrkit/layers' fused kernel.
    for (const d of res.devices) expect(d).toMatch(/^wasm: .*sub-pixel tail fused/);
    expect([res.rows, res.cols, res.bands, res.scale]).toEqual([48, 40, bands, scale]);
    expect(res.files).toEqual([join(dir, 'sr.hdr'), join(dir, 'sr.img')]);
    const sr = await readCube(output);
    expect([sr.rows, sr.cols, sr.bands, sr.interleave]).toEqual([48, 40, bands, 'bip']);
    expect(sr.data).toBeInstanceOf(Float32Array);
    expect(relativeError(sr.data)).toBeLessThan(1e-5);
    // Georeferencing and spectral metadata carried over. The pixel is half as large, and the
    // reference pixel (1, 1), the upper-left corner of the image, stays at the same ground point.
    expect(sr.wavelengths).toEqual(lr.wavelengths);
    const mapInfo = sr.mapInfo!.split(',').map((p) => p.trim());
    expect(mapInfo.slice(1, 7).map(Number)).toEqual([1, 1, 612730.91, 4074488.708, 0.5, 0.5]);
    expect([mapInfo[0], ...mapInfo.slice(7)]).toEqual([
      'UTM',
      '10',
      'North',
      'WGS-84',
      'units=Meters',
    ]);
    // One pair of braces in the header (the writer adds them; the cube holds none).
    expect(await readFile(output, 'utf8')).toMatch(/^map info = \{UTM, 1, 1, /m);
    expect((await readdir(dir)).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it("workers 'auto': threads only where the tiles pay for them, the same numbers either way", async () => {
    const chosen: [number, number][] = [];
    const onWorkersChosen = (n: number, passes: number) => chosen.push([n, passes]);
    // The default tile holds the whole 24 x 20 input: one pass, this thread.
    const one = await upscaleFileWithModel(input, join(dir, 'auto-1.hdr'), {
      modelPath: modelDir,
      workers: 'auto',
      runtime: 'wasm',
      onWorkersChosen,
    });
    expect(chosen[0]).toEqual([1, 1]);
    expect(one.devices).toEqual([]);
    expect(relativeError((await readCube(join(dir, 'auto-1.hdr'))).data)).toBeLessThan(1e-5);
    // 18-sample tiles overlapping by 16: 4 x 2 = 8 passes, enough for 2 threads (cores allowing).
    const many = await upscaleFileWithModel(input, join(dir, 'auto-n.hdr'), {
      modelPath: modelDir,
      workers: 'auto',
      runtime: 'wasm',
      tile: 18,
      overlap,
      onWorkersChosen,
    });
    const want = Math.min(availableParallelism(), 2);
    expect(chosen[1]).toEqual([want, 8]);
    expect(many.devices).toHaveLength(want > 1 ? want : 0);
    expect(relativeError((await readCube(join(dir, 'auto-n.hdr'))).data)).toBeLessThan(1e-5);
  });

  it('with a worker pool of its own into a .npy file (converted at the end): the same numbers', async () => {
    const pool = await startTileWorkers({ modelPath: modelDir, runtime: 'wasm', workers: 2 });
    try {
      const before = tf.memory().numTensors;
      const output = join(dir, 'sr.npy');
      await upscaleFile(input, output, {
        model,
        runner: pool.runner,
        concurrency: 2,
        tile: 20,
        overlap,
      });
      expect(tf.memory().numTensors).toBe(before);
      const sr = await readCube(output);
      expect([sr.rows, sr.cols, sr.bands]).toEqual([48, 40, bands]);
      expect(relativeError(toBipCube(sr).data)).toBeLessThan(1e-5);
      // A pool that loads a plain model has no runner module to build more runners from.
      await expect(pool.runnerWith({})).rejects.toThrow(/runnerModule/);
    } finally {
      await pool.close();
      await rm(join(dir, 'sr.npy'), { force: true });
    }
  });

  it('selfEnsemble: every tile under 8 rotations and flips, 2 workers: the whole-image ensemble', async () => {
    // Reference: one predict of the whole image under each of the 8 transforms, undone, averaged
    // (in model units, then back to the input's). Blending is exact at this overlap, so the tiled
    // ensemble must equal it.
    const want = tf.tidy(() => {
      const x = tf.tensor3d(
        Float32Array.from(lr.data, (v) => v / peak),
        [lr.rows, lr.cols, bands],
      );
      let sum = tf.zeros([lr.rows * scale, lr.cols * scale, bands]) as tf.Tensor3D;
      for (let k = 0; k < 8; k++) {
        const y = model.predict(dihedralTransform(x, k).expandDims(0)) as tf.Tensor4D;
        sum = sum.add(dihedralTransform(y.squeeze([0]) as tf.Tensor3D, dihedralInverse(k)));
      }
      return sum.div(8).mul(peak);
    });
    const ensemble = (await want.data()) as Float32Array;
    want.dispose();
    const before = tf.memory().numTensors;
    const output = join(dir, 'sr-ensemble.hdr');
    await upscaleFileWithModel(input, output, {
      modelPath: modelDir,
      workers: 2,
      runtime: 'wasm',
      tile: 20,
      overlap,
      selfEnsemble: true,
    });
    expect(tf.memory().numTensors).toBe(before);
    const sr = toBipCube(await readCube(output)).data;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of ensemble) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(maxAbsDiff(sr, ensemble) / (hi - lo)).toBeLessThan(1e-5);
    // And it is not the single pass.
    expect(relativeError(sr)).toBeGreaterThan(1e-4);
  });

  it('stops on abort and leaves no output and no partial file behind', async () => {
    const ctrl = new AbortController();
    const before = tf.memory().numTensors;
    const run = upscaleFile(input, join(dir, 'aborted.hdr'), {
      model,
      runner: modelTileRunner(model),
      tile: 8,
      overlap: 4,
      signal: ctrl.signal,
      onProgress: (d) => d === 2 && ctrl.abort(new Error('interrupted by the user')),
    });
    await expect(run).rejects.toThrow(/interrupted/);
    expect(
      (await readdir(dir)).filter((f) => f.startsWith('aborted') || f.includes('partial')),
    ).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads a .mat input (no windowed reads) once and gives the ENVI input result', async () => {
    const mat = join(dir, 'lr.mat');
    await writeCube(mat, lr);
    const opts = { model, runner: modelTileRunner(model), tile: 12, overlap: 8 };
    await upscaleFile(input, join(dir, 'a.npy'), opts);
    await upscaleFile(mat, join(dir, 'b.npy'), opts);
    const a = await readCube(join(dir, 'a.npy'));
    const b = await readCube(join(dir, 'b.npy'));
    expect([b.rows, b.cols, b.bands]).toEqual([48, 40, bands]);
    expect(maxAbsDiff(b.data, a.data)).toBe(0);
    for (const f of ['lr.mat', 'a.npy', 'b.npy']) await rm(join(dir, f));
  });

  it('refuses a cube whose band count the model does not take, before writing anything', async () => {
    const other = espcn(bands - 1, scale);
    const files = await readdir(dir);
    const run = () =>
      upscaleFile(input, join(dir, 'x.npy'), { model: other, runner: modelTileRunner(other) });
    await expect(run()).rejects.toThrow(UpscaleInputError);
    await expect(run()).rejects.toThrow(/156 bands but the model takes 155/);
    await expect(
      upscaleFile(input, join(dir, 'x.npy'), { model, runner: modelTileRunner(model), scale: 4 }),
    ).rejects.toThrow(/upscales x2, not the requested x4/);
    other.dispose();
    expect(await readdir(dir)).toEqual(files);
  });
});
