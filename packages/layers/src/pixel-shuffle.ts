import * as tf from '@tensorflow/tfjs';
import { LayerConfigError } from './errors.js';
import {
  type BaseLayerArgs,
  requirePositiveInt,
  singleInput,
  singleShape,
} from './layer-config.js';

const OP = 'pixelShuffle';

/**
 * Sub-pixel rearrangement [n, h, w, s*s*C] -> [n, h*s, w*s, C], equal to
 * `tf.depthToSpace(x, s, 'NHWC')`: output channel c at sub-pixel (i, j) reads input channel
 * (i*s + j)*C + c. Built from reshape + transpose so it has a gradient (depthToSpace has none).
 */
export function pixelShuffle(
  x: tf.Tensor4D,
  scale: number,
  channelOrder: ShuffleChannelOrder = 'tf',
): tf.Tensor4D {
  requirePositiveInt(scale, OP, 'scale');
  checkChannelOrder(channelOrder, OP);
  if (x.rank !== 4 || x.shape[3] % (scale * scale) !== 0)
    throw new LayerConfigError(
      OP,
      'x',
      `expects NHWC with channels divisible by ${scale}^2, got shape [${x.shape.join(', ')}]`,
    );
  const [n, h, w, channels] = x.shape;
  const c = channels / (scale * scale);
  return tf.tidy(() => {
    let tfOrder: tf.Tensor = x;
    if (channelOrder === 'pytorch') {
      // PyTorch reads channel c*s*s + (i*s + j): move the sub-pixel index in front of c first.
      const perPixel = tf.reshape(x, [n * h * w, c, scale * scale]);
      tfOrder = tf.reshape(tf.transpose(perPixel, [0, 2, 1]), [n, h, w, channels]);
    }
    // [n*h, w, i, j*C+c] -> [n*h, i, w, j*C+c]: a rank-4 transpose, which every backend has.
    const rows = tf.reshape(tfOrder, [n * h, w, scale, scale * c]);
    return tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [n, h * scale, w * scale, c]);
  });
}

/**
 * Permutation for weights trained with PyTorch's `nn.PixelShuffle`, which reads channel
 * c*s*s + i*s + j where this package (TF order) reads (i*s + j)*C + c. Returns `perm` of length
 * C*s*s with `perm[tfChannel] = pytorchChannel`: gather the last axis of the PyTorch conv weight
 * (and bias) by `perm` to get the weight to put in front of `pixelShuffle`.
 */
export function pytorchToTfShuffleChannels(cout: number, scale: number): Int32Array {
  requirePositiveInt(cout, 'pytorchToTfShuffleChannels', 'cout');
  requirePositiveInt(scale, 'pytorchToTfShuffleChannels', 'scale');
  const perm = new Int32Array(cout * scale * scale);
  for (let i = 0; i < scale; i++)
    for (let j = 0; j < scale; j++)
      for (let c = 0; c < cout; c++)
        perm[(i * scale + j) * cout + c] = c * scale * scale + i * scale + j;
  return perm;
}

/**
 * Which input channel feeds output channel c at sub-pixel (i, j): 'tf' (depthToSpace) reads
 * (i*s + j)*C + c, 'pytorch' (F.pixel_shuffle) reads c*s*s + i*s + j. A grouped conv trained in
 * PyTorch in front of the shuffle keeps working only with 'pytorch' (permuting its output channels
 * would mix its groups).
 */
export type ShuffleChannelOrder = 'tf' | 'pytorch';

function checkChannelOrder(order: unknown, layer: string): ShuffleChannelOrder {
  if (order !== 'tf' && order !== 'pytorch')
    throw new LayerConfigError(
      layer,
      'channelOrder',
      `expected 'tf' or 'pytorch', got ${JSON.stringify(order)}`,
    );
  return order;
}

export interface PixelShuffleArgs extends BaseLayerArgs {
  /** Upscaling factor s: [n, h, w, s*s*C] -> [n, h*s, w*s, C]. */
  scale: number;
  /** Sub-pixel channel order (default 'tf'). */
  channelOrder?: ShuffleChannelOrder;
}

/** PixelShuffle (sub-pixel conv upsampling) layer, TF or PyTorch channel order, trainable. No weights. */
export class PixelShuffle extends tf.layers.Layer {
  static className = 'HsrkitPixelShuffle';
  readonly scale: number;
  readonly channelOrder: ShuffleChannelOrder;

  constructor(args: PixelShuffleArgs) {
    super(args);
    this.scale = requirePositiveInt(args?.scale, PixelShuffle.className, 'scale');
    this.channelOrder = checkChannelOrder(args?.channelOrder ?? 'tf', PixelShuffle.className);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const label = `${PixelShuffle.className} '${this.name}'`;
    const channels = singleShape(inputShape, label)[3];
    const s2 = this.scale * this.scale;
    if (channels == null || channels % s2 !== 0)
      throw new LayerConfigError(
        label,
        'scale',
        `input channels ${channels} are not divisible by scale^2 = ${s2}`,
      );
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w, c] = singleShape(inputShape, PixelShuffle.className);
    const s = this.scale;
    return [n, h == null ? null : h * s, w == null ? null : w * s, c == null ? null : c / (s * s)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return pixelShuffle(singleInput(inputs), this.scale, this.channelOrder);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale, channelOrder: this.channelOrder };
  }
}
tf.serialization.registerClass(PixelShuffle);

export function pixelShuffle2D(args: PixelShuffleArgs): PixelShuffle {
  return new PixelShuffle(args);
}
