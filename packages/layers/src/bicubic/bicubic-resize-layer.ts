import * as tf from '@tensorflow/tfjs';
import { LayerConfigError } from '../errors.js';
import { type BaseLayerArgs, singleInput } from '../layer-config.js';
import { bicubicResize } from './bicubic-resize.js';
import { resolveScale } from './resize-options.js';

export interface BicubicResizeLayerArgs extends BaseLayerArgs {
  /** One scale for both axes or [rows, cols]; output is ceil(in*scale) (MATLAB). */
  scale: number | [number, number];
  /** MATLAB's antialiasing when downscaling. Default true. */
  antialias?: boolean;
}

/** A weightless layer: MATLAB bicubic resize by a fixed scale (NHWC). */
export class BicubicResize extends tf.layers.Layer {
  static className = 'HsrkitBicubicResize';
  readonly scale: number | [number, number];
  readonly antialias: boolean;

  constructor(args: BicubicResizeLayerArgs) {
    super(args);
    if (args === undefined || args.scale === undefined)
      throw new LayerConfigError('BicubicResize', 'scale', 'is required');
    const [sr, sc] = resolveScale('BicubicResize', args.scale);
    if (args.antialias !== undefined && typeof args.antialias !== 'boolean')
      throw new LayerConfigError(
        'BicubicResize',
        'antialias',
        `must be a boolean, got ${args.antialias}`,
      );
    this.scale = Array.isArray(args.scale) ? [sr, sc] : sr;
    this.antialias = args.antialias ?? true;
  }

  private scales(): [number, number] {
    return Array.isArray(this.scale) ? this.scale : [this.scale, this.scale];
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (s.length !== 4)
      throw new LayerConfigError('BicubicResize', 'inputShape', `must be rank 4 NHWC, got [${s}]`);
    const [sr, sc] = this.scales();
    const out = (len: number | null, scale: number) =>
      len == null ? null : Math.ceil(len * scale);
    return [s[0], out(s[1], sr), out(s[2], sc), s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return bicubicResize(singleInput(inputs), { scale: this.scales(), antialias: this.antialias });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      scale: Array.isArray(this.scale) ? [...this.scale] : this.scale,
      antialias: this.antialias,
    };
  }
}
tf.serialization.registerClass(BicubicResize);

/** Factory for {@link BicubicResize}. */
export function bicubicResize2D(args: BicubicResizeLayerArgs): BicubicResize {
  return new BicubicResize(args);
}
