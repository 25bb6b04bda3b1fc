import { cropCube } from '@hsrkit/hsi-data/node';
import { describeBackends, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { readDemoScene } from './demo-scene.js';
import { lkcaNet, type UpsamplerKind } from './model.js';
import { withSeededInit } from './seeded-init.js';
import { trainOnScenes } from './training.js';

/**
 * `lkca train`'s path (trainOnScenes: seeded init and patches, L1 + spectral terms, clipping over
 * every gradient, Adam) is the same training on every backend: a run on wasm or WebGPU gives the
 * cpu run's losses and weights. The net is tiny but has every kind of layer (an LKB, the
 * upsampler) and more gradients than one WebGPU AddN can bind, which once made the clipping norm,
 * so every WebGPU step, wrong.
 */
const UPSAMPLERS: UpsamplerKind[] = ['conv', 'group', 'svd'];

async function run(upsampler: UpsamplerKind) {
  const scene = cropCube('s', await readDemoScene(), { row: 100, col: 60, rows: 32, cols: 32 });
  const small = { ...scene, bands: 12, data: pickBands(scene.data, scene.bands, 12) };
  const before = tf.memory().numTensors;
  const student = withSeededInit(9, () =>
    lkcaNet({
      bands: 12,
      scale: 2,
      channels: 8,
      blocks: 1,
      reduction: 4,
      upsampler,
      upsamplerGroups: 2,
      upsamplerRank: 4,
    }),
  );
  const start = await Promise.all(student.getWeights().map((w) => w.data()));
  const res = await trainOnScenes({
    scenes: [small],
    scale: 2,
    student,
    steps: 3,
    batchSize: 2,
    patchSize: 16,
    stride: 8,
    seed: 9,
  });
  const losses = res.result.history.map((h) => h.total);
  const end = await Promise.all(res.model.getWeights().map((w) => w.data()));
  res.result.dispose();
  res.model.dispose();
  const updates = end.map((w, i) => w.map((v, k) => v - start[i][k]));
  return { losses, updates, leaked: tf.memory().numTensors - before };
}

/** The first `n` bands of a BIP cube. */
function pickBands(data: ArrayLike<number>, bands: number, n: number): Float32Array {
  const px = data.length / bands;
  const out = new Float32Array(px * n);
  for (let p = 0; p < px; p++) for (let b = 0; b < n; b++) out[p * n + b] = data[p * bands + b];
  return out;
}

const reference = new Map<UpsamplerKind, Awaited<ReturnType<typeof run>>>();
beforeAll(async () => {
  await useBackend('cpu');
  for (const u of UPSAMPLERS) reference.set(u, await run(u));
}, 120_000);

describeBackends(
  'lkca train on every backend',
  (backend) => {
    for (const upsampler of UPSAMPLERS)
      it(`${upsampler} upsampler: the cpu run's losses and weights`, async () => {
        const got = await run(upsampler);
        const ref = reference.get(upsampler)!;
        expect(tf.getBackend()).toBe(backend);
        expect(got.leaked).toBe(0);
        for (const [i, l] of got.losses.entries())
          expect(Math.abs(l - ref.losses[i]) / ref.losses[i]).toBeLessThan(1e-4);
        let diff = 0;
        let size = 0;
        // Each weight's total update over the 3 steps, against the largest update of the cpu run.
        for (const [i, u] of ref.updates.entries())
          for (let k = 0; k < u.length; k++) {
            size = Math.max(size, Math.abs(u[k]));
            diff = Math.max(diff, Math.abs(got.updates[i][k] - u[k]));
          }
        expect(size).toBeGreaterThan(0);
        expect(diff / size).toBeLessThan(1e-3);
      });
  },
  ['wasm', 'webgpu'],
);
