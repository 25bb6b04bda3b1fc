import {
  type MappedWeight,
  PYTORCH_TO_TF_AXES as AXES,
  pytorchShuffleToTf,
  type SafeTensor,
  StateDictImporter,
  WeightMappingError,
} from '@hsrkit/inference';
import type * as tf from '@tensorflow/tfjs';
import { LKCA_LAYER_NAMES } from './model.js';

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

/**
 * Copies a PyTorch state dict of the reference LKCA-Net into a model built by lkcaNet() with the same
 * config. Every tensor of the dict must be used and every model weight set, or it throws naming them.
 */
export function loadPytorchStateDict(
  model: tf.LayersModel,
  dict: Map<string, SafeTensor>,
  file = '<state dict>',
): void {
  const io = new StateDictImporter(model, dict, file);
  const shuffleCfg = model.getLayer(LKCA_LAYER_NAMES.shuffle).getConfig() as {
    scale: number;
    channelOrder?: string;
  };
  io.assign(LKCA_LAYER_NAMES.head, io.conv2d('head'));
  for (let i = 0; model.layers.some((l) => l.name === LKCA_LAYER_NAMES.block(i)); i++) {
    const name = LKCA_LAYER_NAMES.block(i);
    const cfg = model.getLayer(name).getConfig() as { dilations: number[] };
    const values: Record<string, MappedWeight> = {};
    cfg.dilations.forEach((_, t) => {
      values[`dw${t + 1}_kernel`] = io.take(`blocks.${i}.dw.${t}.weight`, AXES.depthwiseConv2d);
      values[`dw${t + 1}_bias`] = io.take(`blocks.${i}.dw.${t}.bias`, AXES.vector);
    });
    values.fuse_kernel = io.take(`blocks.${i}.fuse.weight`, AXES.conv2d);
    values.fuse_bias = io.take(`blocks.${i}.fuse.bias`, AXES.vector);
    for (const part of ['down', 'up'] as const) {
      // 1x1 convs in PyTorch, dense kernels [in, out] here.
      const k = io.take(`blocks.${i}.ca_${part}.weight`, AXES.conv2d);
      values[`ca_${part}_kernel`] = { values: k.values, shape: k.shape.slice(2) };
      values[`ca_${part}_bias`] = io.take(`blocks.${i}.ca_${part}.bias`, AXES.vector);
    }
    io.assign(name, values);
  }
  io.assign(LKCA_LAYER_NAMES.bodyConv, io.conv2d('body'));
  const svd = io.has('up.0.weight');
  let up = svd ? io.conv2d('up.1') : io.conv2d('up');
  if (shuffleCfg.channelOrder !== 'pytorch') {
    if (model.getLayer(LKCA_LAYER_NAMES.upsampler).getClassName().includes('Grouped'))
      throw new WeightMappingError(
        `${file}: a grouped upsampler from PyTorch needs the model built with pixelShuffleOrder: 'pytorch'`,
      );
    up = {
      kernel: pytorchShuffleToTf(up.kernel, shuffleCfg.scale),
      bias: pytorchShuffleToTf(up.bias, shuffleCfg.scale),
    };
  }
  if (svd)
    io.assign(LKCA_LAYER_NAMES.upsamplerReduce, { kernel: io.take('up.0.weight', AXES.conv2d) });
  io.assign(LKCA_LAYER_NAMES.upsampler, up);
  io.finish();
}
