import * as tf from '@tensorflow/tfjs';
import { GroupedConv2D, pixelShuffle2D } from '@hsrkit/layers';
import { describeBackends, maxAbsDiff, seededValues } from '@hsrkit/testing';
import { expect, it } from 'vitest';
import { convertModel } from './convert.js';

// The conversion reads weights and rebuilds the graph on whatever backend is active; the
// converted model must reproduce the original on each of them. Tiny tensors (webgpu is slow).
describeBackends('lowRankConvert', () => {
  it('full-rank svd of a conv upsampler and of a grouped conv reproduces the model', async () => {
    const x = tf.input({ shape: [4, 4, 4] });
    const g = new GroupedConv2D({ filters: 8, kernelSize: 3, groups: 2, name: 'grouped' }).apply(
      x,
    ) as tf.SymbolicTensor;
    const up = tf.layers
      .conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'up' })
      .apply(g) as tf.SymbolicTensor;
    const y = pixelShuffle2D({ scale: 2, name: 'ps' }).apply(up) as tf.SymbolicTensor;
    const model = tf.model({ inputs: x, outputs: y });
    const w = model.getWeights().map((t, i) => tf.tensor(seededValues(t.size, 30 + i), t.shape));
    model.setWeights(w);
    tf.dispose(w);
    const input = tf.tensor(seededValues(2 * 4 * 4 * 4, 40), [2, 4, 4, 4]);
    const before = tf.memory().numTensors;
    // Full rank never pays, so the no-gain rule is off: this checks the factorization itself.
    const { model: m, report } = await convertModel(
      model,
      {
        layers: [
          { layer: 'up', rank: 8 },
          { layer: 'grouped', rank: 4 },
        ],
      },
      { calibration: input },
      'swap-always',
    );
    expect(report.layers.map((l) => l.newLayers.length)).toEqual([2, 2]);
    expect(report.output![0].maxAbs).toBeLessThan(1e-4);
    const a = model.predict(input) as tf.Tensor;
    const b = m.predict(input) as tf.Tensor;
    expect(maxAbsDiff(await b.data(), await a.data())).toBeLessThan(1e-4);
    tf.dispose([a, b]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    input.dispose();
  });
});
