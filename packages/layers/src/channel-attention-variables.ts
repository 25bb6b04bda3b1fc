// The weights of a channel-attention branch inside a layer (ChannelAttention, LargeKernelBlock):
// made with the layer's initializers, read as the matrices applyChannelAttention takes.
import type * as tf from '@tensorflow/tfjs';
import type { ChannelAttentionWeights } from './channel-attention.js';
import type { MakeWeight } from './weighted-layer.js';

/** The variables of a channel-attention branch, in a layer (see `ChannelAttentionWeights`). */
export interface ChannelAttentionVariables {
  downKernel: tf.LayerVariable;
  downBias: tf.LayerVariable;
  upKernel: tf.LayerVariable;
  upBias: tf.LayerVariable;
}

/** Width of the squeeze: floor(C / r), at least 1 so narrow test nets still build. */
export function channelAttentionHidden(channels: number, reduction: number): number {
  return Math.max(1, Math.floor(channels / reduction));
}

/**
 * Makes the four weights of a branch on C channels with squeeze ratio `reduction`, named
 * `${prefix}down_kernel`, `down_bias`, `up_kernel`, `up_bias`.
 */
export function channelAttentionVariables(
  make: MakeWeight,
  prefix: string,
  channels: number,
  reduction: number,
): ChannelAttentionVariables {
  const c = channels;
  const hidden = channelAttentionHidden(c, reduction);
  return {
    downKernel: make('kernel', `${prefix}down_kernel`, [c, hidden]),
    downBias: make('bias', `${prefix}down_bias`, [hidden]),
    upKernel: make('kernel', `${prefix}up_kernel`, [hidden, c]),
    upBias: make('bias', `${prefix}up_bias`, [c]),
  };
}

/** The current values of a branch's variables. */
export function readChannelAttention(v: ChannelAttentionVariables): ChannelAttentionWeights {
  return {
    downKernel: v.downKernel.read() as tf.Tensor2D,
    downBias: v.downBias.read() as tf.Tensor1D,
    upKernel: v.upKernel.read() as tf.Tensor2D,
    upBias: v.upBias.read() as tf.Tensor1D,
  };
}
