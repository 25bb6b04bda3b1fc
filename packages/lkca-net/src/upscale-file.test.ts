import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cropCube, readCube, writeCube } from '@hsrkit/hsi-data/node';
import { useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDemoScene } from './demo-scene.js';
import { lkcaNet } from './model.js';
import { modelTileRunner } from './tiled-inference.js';
import { UpscaleInputError, upscaleFile } from './upscale-file.js';

describe('upscaleFile', () => {
  let dir: string;
  let input: string;
  let model: tf.LayersModel;
  beforeAll(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'lkca-upscale-'));
    input = join(dir, 'lr.hdr');
    await writeCube(
      input,
      cropCube('scene', await readDemoScene(), { row: 0, col: 0, rows: 40, cols: 40 }),
    );
    model = lkcaNet({ bands: 31, scale: 2, channels: 8, blocks: 1, reduction: 4 });
  });
  afterAll(async () => {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops on abort (Ctrl-C in the CLI) and leaves no output and no partial file behind', async () => {
    const ctrl = new AbortController();
    const before = tf.memory().numTensors;
    const run = upscaleFile(input, join(dir, 'sr.hdr'), {
      model,
      runner: modelTileRunner(model),
      tile: 16,
      overlap: 4,
      signal: ctrl.signal,
      onProgress: (d) => d === 2 && ctrl.abort(new Error('interrupted by the user')),
    });
    await expect(run).rejects.toThrow(/interrupted/);
    expect((await readdir(dir)).sort()).toEqual(['lr.hdr', 'lr.img']);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads a .mat input (no windowed reads) once and gives the same result as the ENVI input', async () => {
    const scene = cropCube('scene', await readDemoScene(), { row: 0, col: 0, rows: 40, cols: 40 });
    const mat = join(dir, 'lr.mat');
    await writeCube(mat, scene);
    const opts = { model, runner: modelTileRunner(model), tile: 16, overlap: 4 };
    await upscaleFile(input, join(dir, 'a.npy'), opts);
    await upscaleFile(mat, join(dir, 'b.npy'), opts);
    const a = await readCube(join(dir, 'a.npy'));
    const b = await readCube(join(dir, 'b.npy'));
    expect([b.rows, b.cols, b.bands]).toEqual([80, 80, 31]);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    for (const f of ['lr.mat', 'a.npy', 'b.npy']) await rm(join(dir, f));
  });

  it('refuses a cube whose band count the model does not take, before writing anything', async () => {
    const other = lkcaNet({ bands: 30, scale: 2, channels: 8, blocks: 1, reduction: 4 });
    await expect(
      upscaleFile(input, join(dir, 'x.npy'), { model: other, runner: modelTileRunner(other) }),
    ).rejects.toThrow(UpscaleInputError);
    await expect(
      upscaleFile(input, join(dir, 'x.npy'), { model: other, runner: modelTileRunner(other) }),
    ).rejects.toThrow(/31 bands but the model takes 30/);
    other.dispose();
    expect((await readdir(dir)).sort()).toEqual(['lr.hdr', 'lr.img']);
  });
});
