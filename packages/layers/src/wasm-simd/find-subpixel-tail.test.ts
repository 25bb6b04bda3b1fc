import { expectNoLeak, maxAbsDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BicubicResize } from '../bicubic.js';
import { GroupedConv2D } from '../grouped-conv.js';
import { PixelShuffle } from '../pixel-shuffle.js';
import { findSubPixelTail } from './find-subpixel-tail.js';
import { SubPixelTail } from './subpixel-tail.js';

type Up = 'conv3' | 'conv1' | 'group' | 'none';

/** A small SR net: conv head, an upsampler, PixelShuffle, optionally + bicubic of the input. */
function srNet(up: Up, skip = true, order: 'tf' | 'pytorch' = 'tf'): tf.LayersModel {
  const bands = 4;
  const s = 2;
  const x = tf.input({ shape: [null, null, bands] });
  const f = tf.layers
    .conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(x) as tf.SymbolicTensor;
  const out = bands * s * s;
  const u =
    up === 'group'
      ? new GroupedConv2D({ filters: out, kernelSize: 3, groups: 2 }).apply(f)
      : up === 'none'
        ? tf.layers
            .conv2d({ filters: out, kernelSize: 3, padding: 'same', strides: 1, dilationRate: 2 })
            .apply(f)
        : tf.layers
            .conv2d({ filters: out, kernelSize: up === 'conv3' ? 3 : 1, padding: 'same' })
            .apply(f);
  const y = new PixelShuffle({ scale: s, channelOrder: order }).apply(
    u as tf.SymbolicTensor,
  ) as tf.SymbolicTensor;
  const o = skip
    ? tf.layers.add().apply([new BicubicResize({ scale: s }).apply(x) as tf.SymbolicTensor, y])
    : y;
  return tf.model({ inputs: x, outputs: o as tf.SymbolicTensor });
}

describe('findSubPixelTail: the fusable tail of any model built from these layers', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  for (const [up, skip, order] of [
    ['conv3', true, 'tf'],
    ['conv1', true, 'pytorch'],
    ['group', true, 'tf'],
    ['conv3', false, 'tf'],
  ] as const)
    it(`splits a ${up} upsampler${skip ? ' with a bicubic skip' : ''} (${order}): features + tail = predict`, async () => {
      const model = srNet(up, skip, order);
      const split = findSubPixelTail(model);
      if ('reason' in split) throw new Error(split.reason);
      expect(split.spec.bicubicSkip).toBe(skip);
      expect(split.spec.channelOrder).toBe(order);
      expect(split.spec.groups).toBe(up === 'group' ? 2 : 1);
      const [h, w] = [7, 9];
      const lr = Float32Array.from(seededValues(h * w * 4, 3));
      const x = tf.tensor4d(lr, [1, h, w, 4]);
      const want = (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
      const tail = await SubPixelTail.create(split.spec);
      const got = await expectNoLeak(async () => {
        const f = split.features.predict(x) as tf.Tensor;
        const d = f.dataSync() as Float32Array;
        f.dispose();
        return tail.run(d, h, w, lr);
      }, 'features');
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
      x.dispose();
    });

  it('says why a model has no fusable tail', () => {
    const dilated = findSubPixelTail(srNet('none'));
    expect('reason' in dilated && dilated.reason).toMatch(/dilated/);
    const x = tf.input({ shape: [8, 8, 3] });
    const plain = tf.model({
      inputs: x,
      outputs: tf.layers.conv2d({ filters: 3, kernelSize: 3 }).apply(x) as tf.SymbolicTensor,
    });
    const r = findSubPixelTail(plain);
    expect('reason' in r && r.reason).toMatch(/not a PixelShuffle/);
  });
});
