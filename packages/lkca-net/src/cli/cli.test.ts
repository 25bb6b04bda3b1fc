import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { computeMetrics, cropCube, readCube, toInterleave, writeCube } from '@hsrkit/hsi-data/node';
import { PixelShuffle } from '@hsrkit/layers';
import { maxAbsDiff, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_SCENE_PATH, readDemoScene } from '../demo-scene.js';
import { saveModel, withModelMetadata } from '@hsrkit/inference/node';
import { lkcaNet } from '../model.js';
import { runCli } from './main.js';

/** Runs the CLI in-process; returns exit code, stdout and stderr. */
async function lkca(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string; json: any }> {
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    const code = await runCli(args);
    let json: any;
    try {
      json = JSON.parse(stdout);
    } catch {}
    return { code, stdout, stderr, json };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('lkca CLI', () => {
  let dir: string;
  let sceneCrop: string;
  let modelDir: string;
  beforeAll(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'lkca-cli-'));
    // A real 40 x 36 crop of the shipped scene, as ENVI with wavelengths.
    const scene = await readDemoScene();
    sceneCrop = join(dir, 'crop.hdr');
    await writeCube(sceneCrop, cropCube('scene', scene, { row: 100, col: 60, rows: 40, cols: 36 }));
    // A small x2 LKCA-Net (random weights) with normalisation metadata, saved like any model.
    const model = lkcaNet({
      bands: 31,
      scale: 2,
      channels: 8,
      blocks: 1,
      reduction: 4,
      upsamplerGroups: 2,
    });
    withModelMetadata(model, {
      scale: 2,
      bands: 31,
      normalization: {
        version: 1,
        spec: { method: 'global-max' },
        bands: 31,
        offset: [0],
        scale: [63382],
        clipped: false,
      },
    });
    modelDir = join(dir, 'model');
    await saveModel(model, modelDir);
    model.dispose();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('info: shape, type and valid range of the real .mat scene', async () => {
    const r = await lkca('info', DEMO_SCENE_PATH, '--json');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({
      rows: 256,
      cols: 256,
      bands: 31,
      dtype: 'uint16',
      format: 'mat',
      min: 0,
      max: 63382,
    });
  });

  it('degrade then metrics: x1/4 shape, and metrics equal hsi-data with the GT peak as data range', async () => {
    const lr = join(dir, 'lr.npy');
    const d = await lkca('degrade', sceneCrop, '--scale', '4', '-o', lr, '--json');
    expect(d.code).toBe(0);
    expect(d.json).toMatchObject({ rows: 10, cols: 9, bands: 31 });
    const up = join(dir, 'noisy.hdr');
    const gt = await readCube(sceneCrop);
    const bip = toInterleave(gt, 'bip');
    const noisy = {
      ...bip,
      data: Float32Array.from(bip.data, (v, i) => v + ((i * 7919) % 13) - 6),
    };
    await writeCube(up, noisy);
    const m = await lkca('metrics', sceneCrop, up, '--scale', '4', '--json');
    expect(m.code).toBe(0);
    let peak = 0;
    for (const v of gt.data) peak = Math.max(peak, v);
    const ref = await computeMetrics(gt, noisy, { preset: 'sspsr', scale: 4, dataRange: peak });
    for (const k of ['mpsnr', 'mssim', 'sam', 'ergas', 'cc', 'rmse'] as const)
      expect(m.json[k]).toBeCloseTo(ref[k], 6);
  });

  it('upscale: tiled output in the input units equals one whole-image pass, wavelengths kept', async () => {
    const out = join(dir, 'sr.hdr');
    const r = await lkca(
      'upscale',
      sceneCrop,
      '--model',
      modelDir,
      '-o',
      out,
      '--backend',
      'wasm',
      '--tile',
      '64',
      // One worker, one tile: the whole-image pass (more workers would cut this small input in two,
      // and LKCA-Net's global channel attention makes tiles differ slightly from one pass).
      '--workers',
      '1',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ rows: 80, cols: 72, bands: 31, scale: 2, backend: 'wasm' });
    const sr = await readCube(out);
    expect(sr.wavelengths).toEqual(Array.from({ length: 31 }, (_, k) => 400 + 10 * k));
    // Reference: normalise, one predict, denormalise.
    const { loadModel } = await import('@hsrkit/inference/node');
    const model = await loadModel(modelDir);
    const x = toInterleave(await readCube(sceneCrop), 'bip');
    const y = tf.tidy(() =>
      tf.mul(
        model.predict(
          tf.div(tf.tensor4d(Float32Array.from(x.data), [1, 40, 36, 31]), 63382),
        ) as tf.Tensor,
        63382,
      ),
    );
    expect(maxAbsDiff(toInterleave(sr, 'bip').data, await y.data()) / 63382).toBeLessThan(1e-5);
    y.dispose();
    model.dispose();
    expect((await readdir(dir)).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('analyze and compress ANY saved model: the upsampler found, an SVD replacement that loads', async () => {
    const a = await lkca('analyze', modelDir, '--json', '--plot', join(dir, 'sv.svg'));
    expect(a.code).toBe(0);
    expect(a.json.upsamplers.map((u: { layer: string }) => u.layer)).toEqual(['upsampler']);
    expect((await readFile(join(dir, 'sv.svg'), 'utf8')).startsWith('<svg')).toBe(true);
    const out = join(dir, 'compressed');
    const c = await lkca(
      'compress',
      modelDir,
      '--method',
      'svd',
      '--rank',
      '4',
      '--calibration',
      sceneCrop,
      '-o',
      out,
      '--json',
    );
    expect(c.code).toBe(0);
    expect(c.json.paramsAfter).toBeLessThan(c.json.paramsBefore);
    expect(c.json.outputError[0].psnr).toBeGreaterThan(0);
    const e = await lkca(
      'upscale',
      sceneCrop,
      '--model',
      out,
      '-o',
      join(dir, 'sr2.npy'),
      '--backend',
      'wasm',
      '--json',
    );
    expect(e.code).toBe(0);
  });

  it('train: a tiny student on the real crop, validated on held-out columns, scale and bands recorded in the model', async () => {
    const out = join(dir, 'trained');
    const ckpt = join(dir, 'ckpt');
    const common = [
      'train',
      '--data',
      sceneCrop,
      '--scale',
      '2',
      '--channels',
      '8',
      '--blocks',
      '1',
      '--batch',
      '2',
      '--patch',
      '16',
      '--backend',
      'wasm',
      '--checkpoint-dir',
      ckpt,
      '-o',
      out,
      '--json',
    ];
    const first = await lkca(...common, '--steps', '4', '--hold-out-cols', '16');
    expect(first.stderr.split('\n').filter((l) => l.startsWith('lkca:'))).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.json.steps).toBe(4);
    // Which kernels trained (also the runtime line's): on wasm, @hsrkit/layers' own by default.
    expect(first.json.kernels).toMatch(/^XNNPACK \+ @hsrkit\/layers training kernels \(/);
    expect(first.json.validation.mpsnr).toBeGreaterThan(0);
    const { loadModel } = await import('@hsrkit/inference/node');
    const { readModelMetadata } = await import('@hsrkit/inference');
    const m = await loadModel(out);
    expect(readModelMetadata(m)).toMatchObject({ scale: 2, bands: 31 });
    m.dispose();
  });

  it('demo: the shipped weights beat bicubic on the held-out quadrant, and it writes the cube and pictures', async () => {
    const out = join(dir, 'demo');
    const r = await lkca('demo', '--out', out, '--backend', 'wasm', '--json');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ rows: 128, cols: 128, bands: 31, scale: 4, backend: 'wasm' });
    expect(r.json.mpsnr).toBeGreaterThan(r.json.bicubic.mpsnr);
    expect(r.json.ergas).toBeLessThan(r.json.bicubic.ergas);
    const sr = await readCube(join(out, 'sr_x4.hdr'));
    expect([sr.rows, sr.cols, sr.bands]).toEqual([128, 128, 31]);
    expect(sr.wavelengths?.[0]).toBe(400);
    const png = await readFile(join(out, 'compare.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('eval: model and bicubic scored on a real crop with the documented JSON keys; bench times a model', async () => {
    const r = await lkca(
      'eval',
      '--model',
      modelDir,
      '--data',
      sceneCrop,
      '--backend',
      'wasm',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ rows: 40, cols: 36, bands: 31, scale: 2 });
    for (const k of ['mpsnr', 'mssim', 'sam', 'ergas', 'cc', 'rmse']) {
      expect(Number.isFinite(r.json[k])).toBe(true);
      expect(Number.isFinite(r.json.bicubic[k])).toBe(true);
    }
    const b = await lkca(
      'bench',
      '--model',
      modelDir,
      '--size',
      '48',
      '--repeats',
      '2',
      '--workers',
      '2',
      '--backend',
      'wasm',
      '--json',
    );
    expect(b.code).toBe(0);
    expect(b.json.ms_median).toBeGreaterThan(0);
    expect(b.json.params).toBeGreaterThan(0);
    // Two workers: the 48x48 input is cut into two tiles, as `upscale --workers 2` would.
    expect(b.json).toMatchObject({ workers: 2, tiles: 2, rows: 48, cols: 48 });
    // Each worker says what it runs: wasm with @hsrkit/layers' kernels and the fused tail.
    expect(b.json.devices).toHaveLength(2);
    for (const d of b.json.devices)
      expect(d).toMatch(/^wasm: .*@hsrkit\/layers kernels.*sub-pixel tail fused/);
    expect(b.json.gmac_per_s).toBeCloseTo(b.json.gmac / (b.json.ms_median / 1000), 6);
  });

  it('prints no TF.js banner: analyze, compress and upscale of an external model, fresh process', async () => {
    // Someone else's model: stock convs and a PixelShuffle, no LKCA-Net, no hsrkit metadata.
    const x = tf.input({ shape: [null, null, 31] });
    const f = tf.layers
      .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' })
      .apply(x) as tf.SymbolicTensor;
    const up = tf.layers.conv2d({ filters: 31 * 4, kernelSize: 3, padding: 'same' }).apply(f);
    const y = new PixelShuffle({ scale: 2 }).apply(up as tf.SymbolicTensor) as tf.SymbolicTensor;
    const external = tf.model({ inputs: x, outputs: y });
    const ext = join(dir, 'external');
    await saveModel(external, ext);
    external.dispose();
    const script = fileURLToPath(new URL('../../test/lkca-from-source.ts', import.meta.url));
    for (const args of [
      ['analyze', ext, '--json'],
      ['compress', ext, '--method', 'svd', '--rank', '2', '-o', join(dir, 'ext-svd'), '--json'],
      ['upscale', sceneCrop, '--model', ext, '-o', join(dir, 'ext-sr.npy'), '--json'],
    ]) {
      const { stdout, stderr } = await promisify(execFile)(
        'npx',
        ['tsx', '--conditions=source', script, ...args],
        { encoding: 'utf8' },
      );
      expect(stderr, args[0]).not.toMatch(/install our node backend|tfjs-node|={10}/);
      expect(JSON.parse(stdout), args[0]).toBeTypeOf('object');
    }
    const sr = await readCube(join(dir, 'ext-sr.npy'));
    expect([sr.rows, sr.cols, sr.bands]).toEqual([80, 72, 31]);
  });

  it('bad input: a clear error naming the file or option, and a non-zero exit', async () => {
    const missing = await lkca('info', join(dir, 'nope.hdr'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope');
    const usage = await lkca('compress', modelDir, '--method', 'svd', '-o', join(dir, 'x'));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--rank or --energy/);
    const scale = await lkca(
      'upscale',
      sceneCrop,
      '--model',
      modelDir,
      '-o',
      join(dir, 'bad.hdr'),
      '--scale',
      '4',
      '--backend',
      'wasm',
    );
    expect(scale.code).toBe(1);
    expect(scale.stderr).toMatch(/x2, not the requested x4/);
    expect(existsSync(join(dir, 'bad.hdr'))).toBe(false);
    const unknown = await lkca('frobnicate');
    expect(unknown.code).toBe(2);
  });
});
