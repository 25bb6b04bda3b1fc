import { maxAbsDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { espcn } from '../test/espcn.js';
import {
  PYTORCH_TO_TF_AXES,
  pytorchShuffleToTf,
  StateDictImporter,
  WeightMappingError,
} from './pytorch-import.js';
import type { SafeTensor } from './safetensors.js';

const bands = 3;
const scale = 2;

/** nn.Conv2d's weight [out, in, kh, kw] from a TF.js kernel [kh, kw, in, out], by the index maps. */
function toPytorchConv(kernel: Float32Array, [kh, kw, cin, cout]: number[]): SafeTensor {
  const values = new Float32Array(kernel.length);
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < cin; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          values[((o * cin + i) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + i) * cout + o];
  return { dtype: 'F32', shape: [cout, cin, kh, kw], values };
}

/**
 * The state dict a PyTorch ESPCN with the same weights would have: conv1..conv3 named as an
 * nn.Sequential would not matter; the sub-pixel conv's output channels in pixel_shuffle's order
 * (channel c*s*s + k where depthToSpace reads k*B + c).
 */
function pytorchStateDict(model: tf.LayersModel): Map<string, SafeTensor> {
  const dict = new Map<string, SafeTensor>();
  model.layers
    .filter((l) => l.getClassName() === 'Conv2D')
    .forEach((layer, n) => {
      const [k, b] = layer.getWeights();
      let kernel = k.dataSync() as Float32Array;
      let bias = b.dataSync() as Float32Array;
      const cout = k.shape[3] as number;
      if (layer.name === 'subpixel_conv') {
        // TF channel q = sub*B + c holds PyTorch channel c*s*s + sub.
        const reorder = (v: Float32Array) => {
          const out = new Float32Array(v.length);
          for (let base = 0; base < v.length; base += cout)
            for (let sub = 0; sub < scale * scale; sub++)
              for (let c = 0; c < bands; c++)
                out[base + c * scale * scale + sub] = v[base + sub * bands + c];
          return out;
        };
        kernel = reorder(kernel);
        bias = reorder(bias);
      }
      dict.set(`conv${n + 1}.weight`, toPytorchConv(kernel, k.shape as number[]));
      dict.set(`conv${n + 1}.bias`, {
        dtype: 'F32',
        shape: [cout],
        values: Float32Array.from(bias),
      });
    });
  return dict;
}

/** Loads a PyTorch ESPCN state dict into a TF.js ESPCN: what a user writes for their own model. */
function loadEspcn(model: tf.LayersModel, dict: Map<string, SafeTensor>): void {
  const io = new StateDictImporter(model, dict, 'espcn.safetensors');
  const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
  io.assign(convs[0].name, io.conv2d('conv1'));
  io.assign(convs[1].name, io.conv2d('conv2'));
  const up = io.conv2d('conv3');
  io.assign(convs[2].name, {
    kernel: pytorchShuffleToTf(up.kernel, scale),
    bias: pytorchShuffleToTf(up.bias, scale),
  });
  io.finish();
}

describe('StateDictImporter', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it("loads a PyTorch ESPCN's state dict into a TF.js ESPCN: the same outputs", async () => {
    const source = espcn(bands, scale, 8, 1);
    const target = espcn(bands, scale, 8, 2);
    const x = tf.tensor4d(seededValues(1 * 7 * 9 * bands, 3), [1, 7, 9, bands]);
    const want = source.predict(x) as tf.Tensor;
    const before = tf.memory().numTensors;
    loadEspcn(target, pytorchStateDict(source));
    expect(tf.memory().numTensors).toBe(before);
    const got = target.predict(x) as tf.Tensor;
    expect(maxAbsDiff(await got.data(), await want.data())).toBe(0);
    tf.dispose([x, want, got]);
    source.dispose();
    target.dispose();
  });

  it('names the tensor, layer or weight that does not fit', () => {
    const source = espcn(bands, scale, 8, 1);
    const target = espcn(bands, scale, 8, 2);
    const dict = pytorchStateDict(source);
    const missing = new Map(dict);
    missing.delete('conv2.bias');
    expect(() => loadEspcn(target, missing)).toThrow(WeightMappingError);
    expect(() => loadEspcn(target, missing)).toThrow(
      /espcn\.safetensors: the model needs 'conv2\.bias'/,
    );
    const extra = new Map(dict);
    extra.set('bn.running_mean', dict.get('conv1.bias')!);
    expect(() => loadEspcn(target, extra)).toThrow(/no place for: bn\.running_mean/);
    const wrong = new Map(dict);
    wrong.set('conv1.bias', { dtype: 'F32', shape: [5], values: new Float32Array(5) });
    expect(() => loadEspcn(target, wrong)).toThrow(
      /\/bias has shape \[8\], the PyTorch tensor gives \[5\]/,
    );
    const io = new StateDictImporter(target, dict, 'f');
    expect(() => io.take('conv1.weight', PYTORCH_TO_TF_AXES.linear)).toThrow(
      /'conv1\.weight' has shape \[8,3,5,5\], expected rank 2/,
    );
    source.dispose();
    target.dispose();
  });
});

describe('pytorchShuffleToTf', () => {
  it("puts PyTorch's channel c*s*s + i*s + j where depthToSpace reads (i*s + j)*B + c", () => {
    const B = 3;
    const s = 3;
    const n = B * s * s;
    // Two rows of a [2, n] weight whose values are their PyTorch channel (plus 100 on row 2).
    const values = Float32Array.from(
      { length: 2 * n },
      (_, q) => (q % n) + 100 * Math.floor(q / n),
    );
    const out = pytorchShuffleToTf({ values, shape: [2, n] }, s);
    expect(out.shape).toEqual([2, n]);
    for (let row = 0; row < 2; row++)
      for (let i = 0; i < s; i++)
        for (let j = 0; j < s; j++)
          for (let c = 0; c < B; c++)
            expect(out.values[row * n + (i * s + j) * B + c]).toBe(
              c * s * s + i * s + j + 100 * row,
            );
  });
});
