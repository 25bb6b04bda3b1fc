import * as tf from '@tensorflow/tfjs';
import { LayerConfigError } from './errors.js';
import { inputChannels, requirePositiveInt, singleInput, singleShape } from './layer-config.js';
import {
  type ChannelAttentionVariables,
  channelAttentionVariables,
  readChannelAttention,
} from './channel-attention-variables.js';
import { WeightedLayer, type WeightedLayerArgs } from './weighted-layer.js';

/** The four weights of a channel-attention branch (1x1 convs on a 1x1 map are matrices). */
export interface ChannelAttentionWeights {
  /** [C, C/r] */
  downKernel: tf.Tensor2D;
  /** [C/r] */
  downBias: tf.Tensor1D;
  /** [C/r, C] */
  upKernel: tf.Tensor2D;
  /** [C] */
  upBias: tf.Tensor1D;
}

export { channelAttentionHidden } from './channel-attention-variables.js';

/**
 * Squeeze-and-excitation channel attention (RCAN style):
 * y = x * sigmoid(W_up relu(W_down GAP(x) + b_down) + b_up), the gate broadcast over h and w.
 * Matrices instead of 1x1 convs: same numbers, and matMul trains on every backend.
 */
export function applyChannelAttention(x: tf.Tensor4D, w: ChannelAttentionWeights): tf.Tensor4D {
  const [n, , , c] = x.shape;
  if (w.downKernel.shape[0] !== c || w.upKernel.shape[1] !== c)
    throw new LayerConfigError(
      'applyChannelAttention',
      'weights',
      `down [${w.downKernel.shape.join(', ')}] / up [${w.upKernel.shape.join(', ')}] do not fit ` +
        `input [${x.shape.join(', ')}]`,
    );
  return tf.tidy(() => {
    const pooled = tf.mean(x, [1, 2]);
    const hidden = tf.relu(tf.add(tf.matMul(pooled, w.downKernel), w.downBias));
    const gate = tf.sigmoid(tf.add(tf.matMul(hidden, w.upKernel), w.upBias));
    return tf.mul(x, tf.reshape(gate, [n, 1, 1, c]));
  });
}

export interface ChannelAttentionArgs extends WeightedLayerArgs {
  /** Squeeze ratio r: the hidden width is floor(C / r) (at least 1). Default 16. */
  reduction?: number;
}

/**
 * Channel attention: GAP -> 1x1 conv C->C/r (+bias) -> ReLU -> 1x1 conv C/r->C (+bias) ->
 * sigmoid -> scale the input. Weights `down_kernel` [C, C/r], `down_bias`, `up_kernel` [C/r, C],
 * `up_bias` (a PyTorch 1x1 conv weight [out, in, 1, 1] maps by transposing to [in, out]).
 */
export class ChannelAttention extends WeightedLayer {
  static className = 'HsrkitChannelAttention';
  readonly reduction: number;
  private weightsOfBranch?: ChannelAttentionVariables;

  constructor(args: ChannelAttentionArgs = {}) {
    super(args);
    this.reduction = requirePositiveInt(args.reduction ?? 16, this.getClassName(), 'reduction');
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const c = inputChannels(inputShape, this.label);
    this.weightsOfBranch = channelAttentionVariables(this.makeWeight, '', c, this.reduction);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape, ChannelAttention.className).slice();
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return applyChannelAttention(singleInput(inputs), readChannelAttention(this.weightsOfBranch!));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), reduction: this.reduction };
  }
}
tf.serialization.registerClass(ChannelAttention);

export function channelAttention(args: ChannelAttentionArgs = {}): ChannelAttention {
  return new ChannelAttention(args);
}
