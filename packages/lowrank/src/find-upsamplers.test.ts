import * as tf from '@tensorflow/tfjs';
import { pixelShuffle2D } from '@hsrkit/layers';
import { useBackend } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel } from './analyze-model.js';
import { findUpsamplers } from './find-upsamplers.js';

/** A stand-in for someone else's depth-to-space layer: only its class name is known to us. */
class TestDepthToSpace extends tf.layers.Layer {
  static className = 'LowrankTestDepthToSpace';
  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w, c] = s as tf.Shape;
    return [n, h == null ? null : h * 2, w == null ? null : w * 2, c == null ? null : c / 4];
  }
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.depthToSpace((Array.isArray(x) ? x[0] : x) as tf.Tensor4D, 2);
  }
}
tf.serialization.registerClass(TestDepthToSpace);

function srModel(): tf.LayersModel {
  const x = tf.input({ shape: [null, null, 3] as unknown as number[], name: 'lr' });
  const conv = (name: string, filters: number, t: tf.SymbolicTensor) =>
    tf.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', name })
      .apply(t) as tf.SymbolicTensor;
  const head = conv('head', 8, x);
  const a = pixelShuffle2D({ scale: 2, name: 'ps' }).apply(
    tf.layers.leakyReLU({ name: 'act' }).apply(conv('c_ps', 12, head)) as tf.SymbolicTensor,
  ) as tf.SymbolicTensor;
  const up = tf.layers.upSampling2d({ size: [2, 2], name: 'us' }).apply(head) as tf.SymbolicTensor;
  const b = conv('c_us', 3, up);
  const c = tf.layers
    .conv2dTranspose({ filters: 3, kernelSize: 4, strides: 2, padding: 'same', name: 'deconv' })
    .apply(head) as tf.SymbolicTensor;
  const d = new TestDepthToSpace({ name: 'd2s' }).apply(
    conv('c_d2s', 12, head),
  ) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([a, b, c, d]) as tf.SymbolicTensor;
  const out = conv('tail', 3, sum);
  return tf.model({ inputs: x, outputs: out });
}

describe('findUpsamplers and analyzeModel', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('finds conv->PixelShuffle (through an activation), UpSampling2D->conv, transposed convs, and foreign depth-to-space layers', () => {
    const model = srModel();
    const ups = findUpsamplers(model);
    // In the model's topological order; compared here by name.
    const got = ups.map((u) => [u.layer, u.kind, u.via, u.scale]);
    expect(got.sort((x, y) => String(x[0]).localeCompare(String(y[0])))).toEqual([
      ['c_d2s', 'pixel-shuffle', 'd2s', null],
      ['c_ps', 'pixel-shuffle', 'ps', [2, 2]],
      ['c_us', 'upsampling-conv', 'us', [2, 2]],
      ['deconv', 'transposed-conv', 'deconv', [2, 2]],
    ]);
    model.dispose();
  });

  it('works on Sequential models too', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [4, 4, 3], filters: 12, kernelSize: 3, name: 'c' }),
        pixelShuffle2D({ scale: 2, name: 'ps' }),
      ],
    });
    expect(findUpsamplers(model).map((u) => u.layer)).toEqual(['c']);
    model.dispose();
  });

  it('ranks layers by their share of params, with MACs at an input size', async () => {
    const model = srModel();
    const a = await analyzeModel(model, { inputShape: [5, 5, 3], spectra: 'upsamplers' });
    expect(a.totalParams).toBe(model.countParams());
    const shares = a.layers.map((l) => l.share);
    expect(shares.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect([...shares].sort((x, y) => y - x)).toEqual(shares);
    expect(a.layers.map((l) => l.layer).sort()).toEqual([
      'c_d2s',
      'c_ps',
      'c_us',
      'deconv',
      'head',
      'tail',
    ]);
    const byName = new Map(a.layers.map((l) => [l.layer, l]));
    expect(byName.get('head')!.macs).toBe(25 * 9 * 3 * 8);
    expect(byName.get('c_us')!.macs).toBe(100 * 9 * 8 * 3); // after x2 upsampling
    expect(byName.get('deconv')!.macs).toBe(25 * 16 * 8 * 3);
    expect(byName.get('tail')!.macs).toBe(100 * 9 * 3 * 3);
    expect(a.totalMacs).toBe(a.layers.reduce((s, l) => s + (l.macs ?? 0), 0));
    expect(byName.get('head')!.analysis).toBeNull();
    expect(byName.get('c_ps')!.analysis!.fullRank).toBe(12);
    const up = ['c_ps', 'c_us', 'deconv', 'c_d2s'].reduce((s, n) => s + byName.get(n)!.params, 0);
    expect(a.upsamplerShare).toBeCloseTo(up / a.totalParams, 12);
    model.dispose();
  });
});
