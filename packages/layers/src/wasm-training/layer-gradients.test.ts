import { expectNoLeak, maxRelDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BicubicResize } from '../bicubic.js';
import { ChannelAttention } from '../channel-attention.js';
import { DilatedDepthwiseConv2D } from '../dilated-depthwise-conv.js';
import { GroupedConv2D } from '../grouped-conv.js';
import { LargeKernelBlock } from '../lkb.js';
import { PixelShuffle } from '../pixel-shuffle.js';
import { restoreStockWasmKernels } from '../wasm-core/kernel-registry.js';
import { registerWasmTrainingKernels } from './index.js';

// Every layer LKCA-Net trains, at toy size: gradients on wasm (after registration) against cpu.
const INPUT: [number, number, number, number] = [2, 10, 9, 8];

const LAYERS: { name: string; make: () => tf.layers.Layer }[] = [
  {
    name: 'tf.layers.conv2d 3x3 (head / body / upsampler)',
    make: () => tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same' }),
  },
  {
    name: 'tf.layers.conv2d 1x1 (svd upsampler)',
    make: () => tf.layers.conv2d({ filters: 12, kernelSize: 1 }),
  },
  {
    name: 'DilatedDepthwiseConv2D dilation 5',
    make: () => new DilatedDepthwiseConv2D({ kernelSize: 3, dilationRate: 5 }),
  },
  {
    name: 'DilatedDepthwiseConv2D dilation 7',
    make: () => new DilatedDepthwiseConv2D({ kernelSize: 3, dilationRate: 7 }),
  },
  {
    name: 'GroupedConv2D 1x1 groups 4',
    make: () => new GroupedConv2D({ filters: 4, kernelSize: 1, groups: 4 }),
  },
  {
    name: 'GroupedConv2D 3x3 groups 2',
    make: () => new GroupedConv2D({ filters: 6, kernelSize: 3, groups: 2 }),
  },
  { name: 'ChannelAttention', make: () => new ChannelAttention({ reduction: 4 }) },
  { name: 'LargeKernelBlock', make: () => new LargeKernelBlock({ reduction: 4, fusionGroups: 4 }) },
  { name: 'PixelShuffle', make: () => new PixelShuffle({ scale: 2 }) },
  { name: 'BicubicResize', make: () => new BicubicResize({ scale: 2 }) },
];

/** d(sum(layer(x) * r))/d(x and every weight), with seeded weights so both backends agree. */
async function layerGradients(make: () => tf.layers.Layer): Promise<Float32Array[]> {
  const layer = make();
  // A symbolic call builds the layer and lets layer.dispose() free its weights afterwards.
  layer.apply(tf.input({ batchShape: INPUT }));
  const weights = layer
    .getWeights()
    .map((w, i) => tf.tidy(() => tf.mul(tf.tensor(seededValues(w.size, 200 + i), w.shape), 0.5)));
  layer.setWeights(weights);
  tf.dispose(weights);
  const xv = seededValues(
    INPUT.reduce((p, q) => p * q),
    300,
  );
  const x = tf.tidy(() => tf.variable(tf.tensor4d(xv, INPUT), true, `x_${Math.random()}`));
  const outShape = layer.computeOutputShape(INPUT) as number[];
  const r = tf.tensor(
    seededValues(
      outShape.reduce((p, q) => p * q),
      301,
    ),
    outShape,
  );
  const vars = [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, r)) as tf.Scalar,
    vars,
  );
  const out = [(await value.data()) as Float32Array];
  for (const v of vars) out.push((await grads[v.name].data()) as Float32Array);
  tf.dispose([value, r, x, ...Object.values(grads)]);
  layer.dispose();
  return out;
}

describe('gradients of every @hsrkit/layers layer on wasm equal cpu after registerWasmTrainingKernels()', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(() => restoreStockWasmKernels());

  for (const { name, make } of LAYERS) {
    it(name, async () => {
      await useBackend('cpu');
      const cpu = await layerGradients(make);
      await useBackend('wasm');
      for (const replaceSlowKernels of [false, true]) {
        registerWasmTrainingKernels({ replaceSlowKernels });
        const wasm = await expectNoLeak(() => layerGradients(make), name);
        restoreStockWasmKernels();
        expect(wasm.length).toBe(cpu.length);
        for (let i = 0; i < cpu.length; i++) {
          const rel = maxRelDiff(wasm[i], cpu[i]);
          expect(
            rel,
            `${i === 0 ? 'value' : `gradient ${i - 1}`} (replaceSlowKernels ${replaceSlowKernels})`,
          ).toBeLessThan(1e-4);
        }
      }
      // Gradients that are all zero would compare equal for nothing.
      for (let i = 1; i < cpu.length; i++)
        expect(Math.max(...cpu[i].map(Math.abs))).toBeGreaterThan(1e-6);
    });
  }
});
