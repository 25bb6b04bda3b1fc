import { describeBackends, maxAbsDiff, seededValues } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BicubicResize, bicubicResize, bicubicResize2D } from '../bicubic.js';
import { LayerConfigError } from '../errors.js';
import { dataOf } from './test-support.js';

describe('BicubicResize layer', () => {
  it('rejects bad layer config with LayerConfigError naming the layer and field', () => {
    for (const scale of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => bicubicResize2D({ scale })).toThrow(/BicubicResize: invalid 'scale'/);
    expect(() => bicubicResize2D({ scale: [2, -1] })).toThrow(/'scale\[1\]'/);
    expect(() => bicubicResize2D({} as any)).toThrow(LayerConfigError);
    expect(() => bicubicResize2D({ scale: 2, antialias: 'yes' as any })).toThrow(/'antialias'/);
  });

  it('computes its output shape the MATLAB way and restores itself from getConfig', () => {
    const layer = bicubicResize2D({ scale: [0.37, 1.7], antialias: false, name: 'skip_up' });
    expect(layer.computeOutputShape([null, 30, 13, 31])).toEqual([null, 12, 23, 31]);
    expect(layer.computeOutputShape([4, null, 10, 2])).toEqual([4, null, 17, 2]);
    const config = layer.getConfig();
    expect(config.scale).toEqual([0.37, 1.7]);
    expect(config.antialias).toBe(false);
    // Through the registry, as loadLayersModel does.
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[BicubicResize.className];
    expect(entry).toBeDefined();
    const [cls, fromConfig] = entry;
    const restored = fromConfig(cls, config) as unknown as BicubicResize;
    expect(restored).toBeInstanceOf(BicubicResize);
    expect(restored.getConfig()).toEqual(config);
    expect(BicubicResize.className).toBe('HsrkitBicubicResize');
  });

  it('survives a save/load round trip inside a model', async () => {
    await tf.setBackend('cpu');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [10, 9, 3], filters: 4, kernelSize: 3, padding: 'same' }),
        bicubicResize2D({ scale: [0.5, 0.25] }),
        bicubicResize2D({ scale: 3, antialias: false }),
      ],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(JSON.stringify(saved!.modelTopology)).toContain('HsrkitBicubicResize');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const x = tf.tensor4d(seededValues(2 * 10 * 9 * 3, 4), [2, 10, 9, 3]);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(a.shape).toEqual([2, 15, 9, 4]);
    expect(b.shape).toEqual(a.shape);
    expect(maxAbsDiff(await dataOf(a), await dataOf(b))).toBe(0);
    // The layer computes exactly the op.
    const direct = tf.tidy(() =>
      bicubicResize(
        bicubicResize(model.layers[0].apply(x) as tf.Tensor4D, { scale: [0.5, 0.25] }),
        { scale: 3, antialias: false },
      ),
    );
    const again = model.predict(x) as tf.Tensor;
    expect(maxAbsDiff(await dataOf(again), await dataOf(direct))).toBe(0);
    x.dispose();
    model.dispose();
    loaded.dispose();
  });
});

describeBackends('BicubicResize layer', () => {
  it('trains through a layer (gradient reaches a layer before the resize)', async () => {
    const model = tf.sequential({
      layers: [
        // dense on NHWC = a 1x1 conv whose gradient every backend has (matMul).
        tf.layers.dense({ inputShape: [6, 6, 2], units: 2, useBias: false }),
        bicubicResize2D({ scale: 2 }),
      ],
    });
    const x = tf.tensor4d(seededValues(2 * 6 * 6 * 2, 5), [2, 6, 6, 2]);
    const target = tf.tensor4d(seededValues(2 * 12 * 12 * 2, 6), [2, 12, 12, 2]);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const h = await model.fit(x, target, { epochs: 3, batchSize: 2, verbose: 0 });
    const losses = h.history.loss as number[];
    expect(losses[2]).toBeLessThan(losses[0]);
    model.dispose();
    x.dispose();
    target.dispose();
  });
});
