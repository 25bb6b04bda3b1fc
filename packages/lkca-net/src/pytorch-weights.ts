import * as tf from '@tensorflow/tfjs';
import { pytorchToTfShuffleChannels } from '@hsrkit/layers';
import { LKCA_LAYER_NAMES } from './model.js';
import { readSafetensors, type SafeTensor, SafetensorsError } from './safetensors.js';

/*
 * PyTorch layout of LKCA-Net (scripts/pytorch_reference.py is the reference module), and how each
 * tensor lands in the TF.js model built by lkcaNet():
 *   head.weight [C,B,3,3]            -> head kernel [3,3,B,C]           transpose (2,3,1,0)
 *   blocks.i.dw.t.weight [C,1,k,k]   -> lkb_i dw{t}_kernel [k,k,C,1]    transpose (2,3,0,1)
 *   blocks.i.fuse.weight [C,T*C/g,1,1] -> lkb_i fuse_kernel [1,1,T*C/g,C] transpose (2,3,1,0)
 *     (both stack stages channel-interleaved: channel c*T + t, so no channel permutation)
 *   blocks.i.ca_down.weight [C/r,C,1,1] -> ca_down_kernel [C,C/r]      transpose
 *   blocks.i.ca_up.weight [C,C/r,1,1]   -> ca_up_kernel [C/r,C]        transpose
 *   body.weight                      -> body_conv kernel                transpose (2,3,1,0)
 *   up.weight (conv / grouped)       -> upsampler kernel [3,3,C/g,Bs^2] transpose (2,3,1,0)
 *   up.0.weight, up.1.weight/bias ('svd') -> upsampler_reduce, upsampler
 * PixelShuffle: PyTorch's output channel c at sub-pixel (i,j) reads input channel c*s^2 + i*s + j,
 * TF's depthToSpace reads (i*s + j)*B + c. A model built with `pixelShuffleOrder: 'pytorch'` takes the
 * upsampler as is; with TF order the upsampler's output channels are permuted while loading, which a
 * grouped upsampler cannot absorb (its groups would mix), so 'group' needs the PyTorch order.
 */

/** Everything named in the PyTorch state dict that the model has no place for, or vice versa. */
export class WeightMappingError extends Error {
  override name = 'WeightMappingError';
}

type Perm = readonly number[];

function transposeValues(t: SafeTensor, perm: Perm): { values: Float32Array; shape: number[] } {
  const shape = perm.map((p) => t.shape[p]);
  const tensor = tf.tidy(() => tf.transpose(tf.tensor(t.values, t.shape), perm as number[]));
  const values = tensor.dataSync() as Float32Array;
  tensor.dispose();
  return { values: new Float32Array(values), shape };
}

function permuteLastAxis(values: Float32Array, shape: number[], perm: Int32Array): Float32Array {
  const n = shape[shape.length - 1];
  const out = new Float32Array(values.length);
  for (let base = 0; base < values.length; base += n)
    for (let q = 0; q < n; q++) out[base + q] = values[base + perm[q]];
  return out;
}

/**
 * Copies a PyTorch state dict of the reference LKCA-Net into a model built by lkcaNet() with the same
 * config. Every tensor of the dict must be used and every model weight set, or it throws naming them.
 */
export function loadPytorchStateDict(
  model: tf.LayersModel,
  dict: Map<string, SafeTensor>,
  file = '<state dict>',
): void {
  const used = new Set<string>();
  const take = (key: string, perm: Perm): { values: Float32Array; shape: number[] } => {
    const t = dict.get(key);
    if (!t)
      throw new WeightMappingError(`${file}: the model needs '${key}', which the state dict lacks`);
    used.add(key);
    if (t.shape.length !== perm.length)
      throw new WeightMappingError(
        `${file}: '${key}' has shape [${t.shape}], expected rank ${perm.length}`,
      );
    return transposeValues(t, perm);
  };
  const shuffle = model.getLayer(LKCA_LAYER_NAMES.shuffle);
  const shuffleCfg = shuffle.getConfig() as { scale: number; channelOrder?: string };
  const pytorchOrder = shuffleCfg.channelOrder === 'pytorch';
  const assign = (
    layerName: string,
    values: Record<string, { values: Float32Array; shape: number[] }>,
  ) => {
    const layer = model.getLayer(layerName);
    const next = layer.weights.map((w) => {
      const short = w.originalName.split('/').pop()!;
      const v = values[short];
      if (!v)
        throw new WeightMappingError(`${file}: no PyTorch tensor maps to ${layerName}/${short}`);
      if (v.shape.join() !== w.shape.join())
        throw new WeightMappingError(
          `${file}: ${layerName}/${short} has shape [${w.shape}], the PyTorch tensor gives [${v.shape}]`,
        );
      return tf.tensor(v.values, v.shape);
    });
    layer.setWeights(next);
    tf.dispose(next);
  };
  const conv = (key: string) => ({
    kernel: take(`${key}.weight`, [2, 3, 1, 0]),
    bias: take(`${key}.bias`, [0]),
  });
  assign(LKCA_LAYER_NAMES.head, conv('head'));
  for (let i = 0; ; i++) {
    let layer: tf.layers.Layer;
    try {
      layer = model.getLayer(LKCA_LAYER_NAMES.block(i));
    } catch {
      break;
    }
    const cfg = layer.getConfig() as { dilations: number[] };
    const values: Record<string, { values: Float32Array; shape: number[] }> = {};
    cfg.dilations.forEach((_, t) => {
      values[`dw${t + 1}_kernel`] = take(`blocks.${i}.dw.${t}.weight`, [2, 3, 0, 1]);
      values[`dw${t + 1}_bias`] = take(`blocks.${i}.dw.${t}.bias`, [0]);
    });
    values.fuse_kernel = take(`blocks.${i}.fuse.weight`, [2, 3, 1, 0]);
    values.fuse_bias = take(`blocks.${i}.fuse.bias`, [0]);
    for (const part of ['down', 'up'] as const) {
      const k = take(`blocks.${i}.ca_${part}.weight`, [2, 3, 1, 0]);
      values[`ca_${part}_kernel`] = { values: k.values, shape: k.shape.slice(2) };
      values[`ca_${part}_bias`] = take(`blocks.${i}.ca_${part}.bias`, [0]);
    }
    assign(LKCA_LAYER_NAMES.block(i), values);
  }
  assign(LKCA_LAYER_NAMES.bodyConv, conv('body'));
  const svd = dict.has('up.0.weight');
  const up = svd ? conv('up.1') : conv('up');
  if (!pytorchOrder) {
    const upLayer = model.getLayer(LKCA_LAYER_NAMES.upsampler);
    if (upLayer.getClassName().includes('Grouped'))
      throw new WeightMappingError(
        `${file}: a grouped upsampler from PyTorch needs the model built with pixelShuffleOrder: 'pytorch'`,
      );
    const bands = up.bias.shape[0] / (shuffleCfg.scale * shuffleCfg.scale);
    const perm = pytorchToTfShuffleChannels(bands, shuffleCfg.scale);
    up.kernel.values = permuteLastAxis(up.kernel.values, up.kernel.shape, perm);
    up.bias.values = permuteLastAxis(up.bias.values, up.bias.shape, perm);
  }
  if (svd) assign(LKCA_LAYER_NAMES.upsamplerReduce, { kernel: take('up.0.weight', [2, 3, 1, 0]) });
  assign(LKCA_LAYER_NAMES.upsampler, up);
  const unused = [...dict.keys()].filter((k) => !used.has(k));
  if (unused.length)
    throw new WeightMappingError(
      `${file}: state dict tensors the model has no place for: ${unused.join(', ')}`,
    );
}

/** Reads a .safetensors PyTorch state dict and loads it into the model (see loadPytorchStateDict). */
export async function loadPytorchWeights(model: tf.LayersModel, path: string): Promise<void> {
  const dict = await readSafetensors(path);
  loadPytorchStateDict(model, dict, path);
}

export { SafetensorsError };
