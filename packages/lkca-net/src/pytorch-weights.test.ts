import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { maxAbsDiff, useBackend } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { lkcaNet, type UpsamplerKind } from './model.js';
import { readSafetensors, WeightMappingError } from '@hsrkit/inference/node';
import { loadPytorchStateDict } from './pytorch-weights.js';
import { loadPytorchWeights } from './pytorch-weights-file.js';

// Fixtures made by scripts/pytorch_reference.py with Debian's python3-torch: a small LKCA-Net per
// upsampler kind, its state dict, an input and PyTorch's own output.
const fixtures = new URL('../fixtures/pytorch/', import.meta.url);
const path = (f: string) => new URL(f, fixtures).pathname;

async function f32(name: string): Promise<Float32Array> {
  const b = await readFile(path(name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('PyTorch weights', () => {
  let cfg: Record<string, any>;
  beforeAll(async () => {
    await useBackend('cpu');
    cfg = JSON.parse(await readFile(path('small-config.json'), 'utf8'));
  });

  const build = (upsampler: UpsamplerKind, order: 'tf' | 'pytorch') =>
    lkcaNet({
      bands: cfg.bands,
      scale: cfg.scale,
      channels: cfg.c,
      blocks: cfg.blocks,
      reduction: cfg.reduction,
      fusionGroups: cfg.fusion_groups,
      upsampler,
      upsamplerGroups: cfg.groups,
      upsamplerRank: cfg.rank,
      pixelShuffleOrder: order,
    });

  for (const [upsampler, order] of [
    ['conv', 'tf'],
    ['conv', 'pytorch'],
    ['svd', 'tf'],
    ['group', 'pytorch'],
  ] as const) {
    it(`reproduces PyTorch's forward pass: ${upsampler} upsampler, ${order} shuffle order`, async () => {
      const model = build(upsampler, order);
      await loadPytorchWeights(model, path(`${upsampler}.safetensors`));
      const x = await f32(`${upsampler}.input.f32`);
      const want = await f32(`${upsampler}.output.f32`);
      const y = tf.tidy(() => model.predict(tf.tensor4d(x, cfg.inputShape)) as tf.Tensor);
      expect(y.shape).toEqual([
        1,
        cfg.inputShape[1] * cfg.scale,
        cfg.inputShape[2] * cfg.scale,
        cfg.bands,
      ]);
      expect(maxAbsDiff(await y.data(), want)).toBeLessThan(1e-4);
      y.dispose();
      model.dispose();
    });
  }

  it('refuses a grouped upsampler into a TF-order shuffle, and dicts that do not fit, naming the tensor', async () => {
    const dict = await readSafetensors(path('group.safetensors'));
    const m = build('group', 'tf');
    expect(() => loadPytorchStateDict(m, dict, 'group.safetensors')).toThrow(/pixelShuffleOrder/);
    m.dispose();
    const conv = await readSafetensors(path('conv.safetensors'));
    const missing = new Map(conv);
    missing.delete('blocks.1.fuse.bias');
    const m2 = build('conv', 'tf');
    expect(() => loadPytorchStateDict(m2, missing, 'x')).toThrow(WeightMappingError);
    expect(() => loadPytorchStateDict(m2, missing, 'x')).toThrow(/blocks\.1\.fuse\.bias/);
    const extra = new Map(conv);
    extra.set('tail.weight', conv.get('head.bias')!);
    expect(() => loadPytorchStateDict(m2, extra, 'x')).toThrow(/tail\.weight/);
    m2.dispose();
  });
});
