import { describeBackends, expectNoLeak, maxAbsDiff, seededValues } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { LayerConfigError } from './errors.js';
import { describeOnCpu } from './test-support.js';
import {
  PixelShuffle,
  pixelShuffle,
  pixelShuffle2D,
  pytorchToTfShuffleChannels,
} from './pixel-shuffle.js';

/** Index of the input element that output (b, y, x, c) reads, TF depthToSpace order. */
function tfSourceIndex(
  [n, h, w, cin]: number[],
  s: number,
): (b: number, y: number, x: number, c: number) => number {
  void n;
  const cout = cin / (s * s);
  return (b, y, x, c) => {
    const i = y % s;
    const j = x % s;
    return ((b * h + Math.floor(y / s)) * w + Math.floor(x / s)) * cin + (i * s + j) * cout + c;
  };
}

function shuffleLoops(x: Float32Array, shape: number[], s: number): Float32Array {
  const [n, h, w, cin] = shape;
  const cout = cin / (s * s);
  const src = tfSourceIndex(shape, s);
  const y = new Float32Array(x.length);
  let o = 0;
  for (let b = 0; b < n; b++)
    for (let yy = 0; yy < h * s; yy++)
      for (let xx = 0; xx < w * s; xx++)
        for (let c = 0; c < cout; c++) y[o++] = x[src(b, yy, xx, c)];
  return y;
}

const CASES: { shape: [number, number, number, number]; s: number }[] = [
  { shape: [1, 3, 4, 8], s: 2 },
  { shape: [2, 2, 3, 18], s: 3 },
  { shape: [1, 2, 2, 16], s: 4 },
];

describeBackends('pixelShuffle', (backend) => {
  for (const { shape, s } of CASES) {
    const size = shape.reduce((a, b) => a * b, 1);
    const x = seededValues(size, 81);
    const g = seededValues(size, 82);

    it(`equals the loop definition and tf.depthToSpace [${shape}] s${s} (${backend})`, async () => {
      const [y, ref] = tf.tidy(() => {
        const xt = tf.tensor4d(x, shape);
        return [pixelShuffle(xt, s), tf.depthToSpace(xt, s, 'NHWC')];
      });
      expect(y.shape).toEqual([shape[0], shape[1] * s, shape[2] * s, shape[3] / (s * s)]);
      const got = await y.data();
      expect(maxAbsDiff(got, shuffleLoops(x, shape, s))).toBe(0);
      expect(maxAbsDiff(got, await ref.data())).toBe(0);
      tf.dispose([y, ref]);
    });

    it(`has a gradient: the inverse permutation of dy [${shape}] s${s} (${backend})`, async () => {
      await expectNoLeak(async () => {
        const xt = tf.tensor4d(x, shape);
        const outShape = [shape[0], shape[1] * s, shape[2] * s, shape[3] / (s * s)];
        const gt = tf.tensor(g, outShape);
        const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pixelShuffle(a as tf.Tensor4D, s), gt)))(
          xt,
        );
        const ref = new Float32Array(size);
        const src = tfSourceIndex(shape, s);
        let o = 0;
        for (let b = 0; b < outShape[0]; b++)
          for (let yy = 0; yy < outShape[1]; yy++)
            for (let xx = 0; xx < outShape[2]; xx++)
              for (let c = 0; c < outShape[3]; c++) ref[src(b, yy, xx, c)] = g[o++];
        expect(maxAbsDiff(await dx.data(), ref)).toBe(0);
        tf.dispose([xt, gt, dx]);
      });
    });
  }
});

describeOnCpu('PixelShuffle layer and PyTorch channel order', () => {
  it('pytorchToTfShuffleChannels makes TF shuffle of gathered channels equal torch pixel_shuffle', () => {
    const [n, h, w, cout, s] = [1, 2, 3, 3, 2];
    const cin = cout * s * s;
    const x = seededValues(n * h * w * cin, 91); // NHWC, channels in PyTorch's order
    // torch.nn.functional.pixel_shuffle: out[c, h*s+i, w*s+j] = in[c*s*s + i*s + j, h, w]
    const torchOut = new Float32Array(x.length);
    for (let yy = 0; yy < h * s; yy++)
      for (let xx = 0; xx < w * s; xx++)
        for (let c = 0; c < cout; c++) {
          const src = c * s * s + (yy % s) * s + (xx % s);
          torchOut[(yy * w * s + xx) * cout + c] =
            x[(Math.floor(yy / s) * w + Math.floor(xx / s)) * cin + src];
        }
    const perm = pytorchToTfShuffleChannels(cout, s);
    expect(Array.from(perm).sort((a, b) => a - b)).toEqual([...Array(cin).keys()]);
    const y = tf.tidy(() =>
      pixelShuffle(
        tf.gather(tf.tensor4d(x, [n, h, w, cin]), tf.tensor1d(perm, 'int32'), 3) as tf.Tensor4D,
        s,
      ),
    );
    expect(maxAbsDiff(y.dataSync(), torchOut)).toBe(0);
    y.dispose();
    // channelOrder 'pytorch' does the same without a gather, in the op and in the layer.
    const direct = tf.tidy(() => pixelShuffle(tf.tensor4d(x, [n, h, w, cin]), s, 'pytorch'));
    expect(maxAbsDiff(direct.dataSync(), torchOut)).toBe(0);
    direct.dispose();
    const layer = new PixelShuffle({ scale: s, channelOrder: 'pytorch' });
    const viaLayer = tf.tidy(() => layer.apply(tf.tensor4d(x, [n, h, w, cin])) as tf.Tensor);
    expect(maxAbsDiff(viaLayer.dataSync(), torchOut)).toBe(0);
    viaLayer.dispose();
    expect(() => new PixelShuffle({ scale: 2, channelOrder: 'nchw' as never })).toThrow(
      /channelOrder/,
    );
    // s = 2, C = 2: TF channel (i*2+j)*2 + c reads torch channel c*4 + i*2 + j.
    expect(Array.from(pytorchToTfShuffleChannels(2, 2))).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
  });

  it('layer: output shape, no leak, gradient through a model', async () => {
    const layer = pixelShuffle2D({ scale: 3, name: 'ps' });
    expect(layer.computeOutputShape([null, 5, 7, 18])).toEqual([null, 15, 21, 2]);
    expect(layer.computeOutputShape([null, null, null, 18])).toEqual([null, null, null, 2]);
    const input = tf.input({ shape: [4, 4, 9] });
    const conv = tf.layers.conv2d({ filters: 9, kernelSize: 1, useBias: false });
    const model = tf.model({
      inputs: input,
      outputs: layer.apply(conv.apply(input)) as tf.SymbolicTensor,
    });
    expect(model.outputs[0].shape).toEqual([null, 12, 12, 1]);
    const x = tf.tensor4d(seededValues(2 * 4 * 4 * 9, 92), [2, 4, 4, 9]);
    await expectNoLeak(() => {
      const { grads, value } = tf.variableGrads(
        () => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar,
      );
      const g = Object.values(grads)[0];
      expect(Object.keys(grads)).toHaveLength(1); // the conv kernel: reached through the shuffle
      expect(g.shape).toEqual([1, 1, 9, 9]);
      expect(tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0])).toBeGreaterThan(0);
      tf.dispose([value, ...Object.values(grads)]);
    });
    x.dispose();
    model.dispose();
  });

  it('getConfig round-trips; bad scale throws LayerConfigError', () => {
    const layer = new PixelShuffle({ scale: 4, channelOrder: 'pytorch', name: 'up4' });
    const config = layer.getConfig();
    expect(config.channelOrder).toBe('pytorch');
    const [cls, fromConfig] =
      tf.serialization.SerializationMap.getMap().classNameMap[PixelShuffle.className];
    const restored = fromConfig(cls, config) as PixelShuffle;
    expect(restored.getConfig()).toEqual(config);
    expect(restored.scale).toBe(4);
    for (const scale of [0, -2, 1.5]) {
      expect(() => pixelShuffle2D({ scale })).toThrow(LayerConfigError);
      expect(() => pixelShuffle2D({ scale })).toThrow(/scale/);
    }
    expect(() => pixelShuffle2D({ scale: 2 }).build([null, 4, 4, 6])).toThrow(/6.*scale\^2 = 4/);
    const x = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D;
    expect(() => pixelShuffle(x, 2)).toThrow(/\[1, 2, 2, 6\]/);
    x.dispose();
  });
});
