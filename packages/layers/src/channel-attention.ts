import * as tf from '@tensorflow/tfjs';
import { LayerConfigError } from './errors.js';
import {
  type BaseLayerArgs,
  type Initializer,
  type InitializerSpec,
  requirePositiveInt,
  inputChannels,
  kernelAndBiasInitializers,
  serializeInitializer,
  singleInput,
  singleShape,
} from './layer-config.js';

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

/** Width of the squeeze: floor(C / r), at least 1 so narrow test nets still build. */
export function channelAttentionHidden(channels: number, reduction: number): number {
  return Math.max(1, Math.floor(channels / reduction));
}

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

export interface ChannelAttentionArgs extends BaseLayerArgs {
  /** Squeeze ratio r: the hidden width is floor(C / r) (at least 1). Default 16. */
  reduction?: number;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerSpec;
  /** Default 'zeros'. */
  biasInitializer?: InitializerSpec;
}

/**
 * Channel attention: GAP -> 1x1 conv C->C/r (+bias) -> ReLU -> 1x1 conv C/r->C (+bias) ->
 * sigmoid -> scale the input. Weights `down_kernel` [C, C/r], `down_bias`, `up_kernel` [C/r, C],
 * `up_bias` (a PyTorch 1x1 conv weight [out, in, 1, 1] maps by transposing to [in, out]).
 */
export class ChannelAttention extends tf.layers.Layer {
  static className = 'HsrkitChannelAttention';
  readonly reduction: number;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private weightsOfBranch?: {
    downKernel: tf.LayerVariable;
    downBias: tf.LayerVariable;
    upKernel: tf.LayerVariable;
    upBias: tf.LayerVariable;
  };

  constructor(args: ChannelAttentionArgs = {}) {
    super(args);
    const cls = ChannelAttention.className;
    this.reduction = requirePositiveInt(args.reduction ?? 16, cls, 'reduction');
    const init = kernelAndBiasInitializers(args.kernelInitializer, args.biasInitializer, cls);
    this.kernelInitializer = init.kernel;
    this.biasInitializer = init.bias;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const label = `${ChannelAttention.className} '${this.name}'`;
    const c = inputChannels(inputShape, label);
    const hidden = channelAttentionHidden(c, this.reduction);
    this.weightsOfBranch = {
      downKernel: this.addWeight('down_kernel', [c, hidden], 'float32', this.kernelInitializer),
      downBias: this.addWeight('down_bias', [hidden], 'float32', this.biasInitializer),
      upKernel: this.addWeight('up_kernel', [hidden, c], 'float32', this.kernelInitializer),
      upBias: this.addWeight('up_bias', [c], 'float32', this.biasInitializer),
    };
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape, ChannelAttention.className).slice();
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const w = this.weightsOfBranch!;
    return applyChannelAttention(singleInput(inputs), {
      downKernel: w.downKernel.read() as tf.Tensor2D,
      downBias: w.downBias.read() as tf.Tensor1D,
      upKernel: w.upKernel.read() as tf.Tensor2D,
      upBias: w.upBias.read() as tf.Tensor1D,
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      reduction: this.reduction,
      kernelInitializer: serializeInitializer(this.kernelInitializer) as any,
      biasInitializer: serializeInitializer(this.biasInitializer) as any,
    };
  }
}
tf.serialization.registerClass(ChannelAttention);

export function channelAttention(args: ChannelAttentionArgs = {}): ChannelAttention {
  return new ChannelAttention(args);
}
