import type * as tf from '@tensorflow/tfjs';
import { requirePositiveInt } from './layer-config.js';
import {
  WeightedLayer,
  type WeightedLayerArgs,
  type WeightedLayerOptions,
} from './weighted-layer.js';

export interface ConvKernelLayerArgs extends WeightedLayerArgs {
  /** Square kernel side. */
  kernelSize: number;
  /** Add a bias to every output channel (default true). */
  useBias?: boolean;
}

/**
 * A conv-like layer: one square kernel of side `kernelSize` and, unless `useBias` is false, one
 * bias per output channel. Subclasses say the kernel's name and shape, and run the op.
 */
export abstract class ConvKernelLayer extends WeightedLayer {
  readonly kernelSize: number;
  readonly useBias: boolean;
  protected kernel?: tf.LayerVariable;
  protected bias?: tf.LayerVariable;

  constructor(args: ConvKernelLayerArgs, options: WeightedLayerOptions) {
    super(args, options);
    this.kernelSize = requirePositiveInt(args.kernelSize, this.getClassName(), 'kernelSize');
    this.useBias = args.useBias ?? true;
  }

  /** Makes the kernel (`name`, `shape`) and the bias of `outChannels`; the layer is built. */
  protected buildKernelAndBias(name: string, shape: number[], outChannels: number): void {
    this.kernel = this.makeWeight('kernel', name, shape);
    if (this.useBias) this.bias = this.makeWeight('bias', 'bias', [outChannels]);
    this.built = true;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kernelSize: this.kernelSize, useBias: this.useBias };
  }
}
