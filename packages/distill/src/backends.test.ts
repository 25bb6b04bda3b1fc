import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '@hsrkit/layers';
import { describeBackends, useBackend } from '@hsrkit/testing';
import { beforeAll, expect, it } from 'vitest';
import { distillRun, freshModels, stepData, weightValues } from '../test/fixtures.js';
import { train } from './trainer.js';

const STEPS = 3;
const LR = 0.05;

/**
 * `distillRun(STEPS)` with plain SGD at a fixed rate and no gradient clipping: each weight moves by
 * exactly -lr x its gradient, so a gradient that is wrong in scale on some backend (a kernel
 * returning 2x, or 0.9x, the true value) shows one for one in the weights. Adam (the old check)
 * divides the gradient by its own running magnitude and clipping rescales it: both hid such errors.
 * Returns each step's loss, each student weight's total update, the adapters' final weights and the
 * tensors left behind.
 */
async function sgdRun(lr = LR) {
  const { student, teacher } = freshModels();
  const start = await weightValues(student);
  const before = tf.memory().numTensors;
  const r = await train({
    ...distillRun(STEPS),
    optimizer: { type: 'sgd' },
    schedule: lr,
    clipNorm: undefined,
    student,
    teacher,
    data: stepData({ size: 6 }),
  });
  const end = await weightValues(student);
  const adapters = await weightValues(...r.adapters);
  const losses = r.history.map((h) => h.total);
  r.dispose();
  const leaked = tf.memory().numTensors - before;
  student.dispose();
  teacher.dispose();
  const updates = end.map((w, i) => w.map((v, k) => v - start[i][k]));
  return { losses, updates, adapters, leaked };
}

type Run = Awaited<ReturnType<typeof sgdRun>>;

/** Largest difference of the student's updates, relative to the largest update of `ref`. */
function updateGap(got: Pick<Run, 'updates'>, ref: Pick<Run, 'updates'>): number {
  let diff = 0;
  let size = 0;
  ref.updates.forEach((u, i) => {
    for (let k = 0; k < u.length; k++) {
      size = Math.max(size, Math.abs(u[k]));
      diff = Math.max(diff, Math.abs(got.updates[i][k] - u[k]));
    }
  });
  return diff / size;
}

let cpu: Run;
beforeAll(async () => {
  await useBackend('cpu');
  cpu = await sgdRun();
});

it('mutation check (cpu): gradients 10 % too large (lr x 1.1 under SGD) fail the parity check', async () => {
  await useBackend('cpu');
  const wrong = await sgdRun(LR * 1.1);
  expect(updateGap(wrong, cpu)).toBeGreaterThan(0.05);
});

// The trainer never picks a backend: the same call trains on whichever the caller selected.
describeBackends(
  'distillation on the selected backend',
  (backend) => {
    it('matches the cpu run under SGD: losses, and every weight update to 1e-3 of its size', async () => {
      if (backend === 'wasm') registerWasmTrainingKernels();
      const got = await sgdRun();
      expect(tf.getBackend()).toBe(backend);
      expect(got.leaked).toBe(0);
      for (const [i, l] of got.losses.entries())
        expect(Math.abs(l - cpu.losses[i]) / cpu.losses[i]).toBeLessThan(1e-4);
      expect(updateGap(got, cpu)).toBeLessThan(1e-3);
      for (const [i, a] of got.adapters.entries())
        for (let k = 0; k < a.length; k++)
          expect(Math.abs(a[k] - cpu.adapters[i][k])).toBeLessThan(1e-5);
    });
  },
  ['wasm', 'webgpu'],
);

/** Six 3x3 convs (12 variables: more gradients than WebGPU's AddN can bind in one call). */
function deepStudent(): tf.LayersModel {
  const x = tf.input({ shape: [null, null, 3] });
  let h: tf.SymbolicTensor = x;
  for (let i = 0; i < 6; i++)
    h = tf.layers
      .conv2d({
        filters: i === 5 ? 3 : 4,
        kernelSize: 3,
        padding: 'same',
        activation: i === 5 ? undefined : 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 7 + i }),
        biasInitializer: tf.initializers.randomUniform({
          minval: -0.05,
          maxval: 0.05,
          seed: 70 + i,
        }),
      })
      .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: h });
}

/** Two SGD steps with clipping active (the norm is over all 12 gradients): norms and updates. */
async function clippedRun() {
  const student = deepStudent();
  const start = await weightValues(student);
  const r = await train({
    optimizer: { type: 'sgd' },
    schedule: LR,
    clipNorm: 0.01,
    steps: 2,
    seed: 3,
    student,
    data: stepData({ size: 6 }),
  });
  const end = await weightValues(student);
  r.dispose();
  student.dispose();
  return {
    norms: r.history.map((h) => h.gradNorm),
    updates: end.map((w, i) => w.map((v, k) => v - start[i][k])),
  };
}

describeBackends(
  'gradient clipping over many variables',
  (backend) => {
    it('the global gradient norm and the clipped updates equal the cpu run', async () => {
      if (backend === 'wasm') registerWasmTrainingKernels();
      const got = await clippedRun();
      await useBackend('cpu');
      const ref = await clippedRun();
      await useBackend(backend);
      expect(ref.norms[0]).toBeGreaterThan(0.01);
      for (const [i, n] of got.norms.entries())
        expect(Math.abs(n - ref.norms[i]) / ref.norms[i]).toBeLessThan(1e-4);
      expect(updateGap(got, ref)).toBeLessThan(1e-3);
    });
  },
  ['wasm', 'webgpu'],
);
