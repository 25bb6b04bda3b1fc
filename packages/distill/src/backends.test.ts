import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '@hsrkit/layers';
import { describeBackends, useBackend } from '@hsrkit/testing';
import { beforeAll, expect, it } from 'vitest';
import { stepData, straightRun, maxDiffAll } from '../test/fixtures.js';

const STEPS = 3;

async function run() {
  const r = await straightRun(STEPS, stepData({ size: 6 }));
  return { ...r, losses: r.history.map((h) => h.total) };
}

let cpu: Awaited<ReturnType<typeof run>>;
beforeAll(async () => {
  await useBackend('cpu');
  cpu = await run();
});

// The trainer never picks a backend: the same call trains on whichever the caller selected.
describeBackends(
  'distillation on the selected backend',
  (backend) => {
    it('matches the cpu run (losses and final weights)', async () => {
      if (backend === 'wasm') registerWasmTrainingKernels();
      const got = await run();
      expect(tf.getBackend()).toBe(backend);
      expect(got.leaked).toBe(0);
      for (const [i, l] of got.losses.entries())
        expect(Math.abs(l - cpu.losses[i]) / cpu.losses[i]).toBeLessThan(1e-3);
      expect(maxDiffAll(got.weights, cpu.weights)).toBeLessThan(1e-3);
    });
  },
  ['wasm', 'webgpu'],
);
