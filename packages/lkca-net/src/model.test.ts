import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { maxAbsDiff, seededValues, useBackend, useTempDir } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '@hsrkit/inference/node';
import { LKCA_LAYER_NAMES, lkcaNet, lkcaStudent, lkcaTeacher } from './model.js';
import { modelCost } from './model-cost.js';

const fixtures = new URL('../fixtures/pytorch/', import.meta.url);

describe('lkcaNet', () => {
  const dir = useTempDir('lkca-model-');
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('has exactly the parameter counts of the PyTorch reference (B=128, s=4, C=64)', async () => {
    const ref = JSON.parse(await readFile(new URL('params.json', fixtures), 'utf8')).params;
    for (const [upsampler, key] of [
      ['conv', 'conv'],
      ['group', 'group'],
      ['svd', 'svd'],
    ] as const) {
      const m = lkcaNet({ bands: 128, scale: 4, upsampler });
      expect(m.countParams()).toBe(ref[key]);
      m.dispose();
    }
    const t = lkcaTeacher({ bands: 128, scale: 4 });
    expect(t.countParams()).toBe(ref.teacher_conv);
    t.dispose();
  });

  it('reports the design FLOPs: about 1.33 GMAC at B=128, s=4, 32x32 with the conv upsampler', () => {
    const m = lkcaNet({ bands: 128, scale: 4 });
    const cost = modelCost(m, [32, 32]);
    expect(cost.params).toBe(1312400);
    // Convolutions alone, by the definition: H*W*k*k*Cin/g*Cout per conv.
    const hw = 32 * 32;
    const convs =
      hw * 9 * 128 * 64 + // head
      4 * (hw * 9 * 64 * 2 + hw * (192 / 4) * 64 + 64 * 4 + 4 * 64) + // LKBs
      hw * 9 * 64 * 64 + // body
      hw * 9 * 64 * 2048; // upsampler
    expect(cost.macs).toBeGreaterThanOrEqual(convs);
    expect(cost.macs / 1e9).toBeCloseTo(1.33, 1);
    m.dispose();
  });

  it('names the layers distillation and low-rank conversion rely on, and maps x -> x*s', () => {
    const m = lkcaStudent({ bands: 8, scale: 3, channels: 16, reduction: 4 });
    for (const name of [
      LKCA_LAYER_NAMES.head,
      LKCA_LAYER_NAMES.block(3),
      LKCA_LAYER_NAMES.features,
      LKCA_LAYER_NAMES.upsampler,
      LKCA_LAYER_NAMES.upsamplerReduce,
      LKCA_LAYER_NAMES.shuffle,
      LKCA_LAYER_NAMES.bicubic,
    ])
      expect(m.getLayer(name)).toBeDefined();
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => m.predict(tf.zeros([2, 5, 7, 8])) as tf.Tensor);
    expect(y.shape).toEqual([2, 15, 21, 8]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('rejects configs that cannot work, naming the field', () => {
    expect(() => lkcaNet({ bands: 0, scale: 4 })).toThrow(/bands/);
    expect(() => lkcaNet({ bands: 31, scale: 1 })).toThrow(/scale/);
    expect(() => lkcaNet({ bands: 31, scale: 4, upsampler: 'group', upsamplerGroups: 7 })).toThrow(
      /upsamplerGroups/,
    );
    expect(() => lkcaNet({ bands: 31, scale: 4, upsampler: 'fancy' as never })).toThrow(
      /upsampler/,
    );
  });

  it('saves atomically and loads back in Node with identical outputs', async () => {
    const m = lkcaNet({
      bands: 6,
      scale: 2,
      channels: 16,
      blocks: 2,
      reduction: 4,
      upsampler: 'group',
      upsamplerGroups: 4,
    });
    const x = tf.tensor4d(seededValues(1 * 9 * 10 * 6, 5), [1, 9, 10, 6]);
    const y0 = m.predict(x) as tf.Tensor;
    const path = join(dir(), 'group');
    await saveModel(m, path, { note: 'test' });
    await saveModel(m, path); // overwrite: old shard removed, still loadable
    const loaded = await loadModel(path);
    const y1 = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(await y0.data(), await y1.data())).toBe(0);
    tf.dispose([x, y0, y1]);
    m.dispose();
    loaded.dispose();
  });
});
