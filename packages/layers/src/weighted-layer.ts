// The base of this package's layers that hold weights: the config plumbing they share, so each
// layer file holds only its own math and fields.
import * as tf from '@tensorflow/tfjs';
import { LayerConfigError } from './errors.js';
import {
  type BaseLayerArgs,
  type Initializer,
  type InitializerSpec,
  kernelAndBiasInitializers,
  serializeInitializer,
} from './layer-config.js';

/** Which initializer a weight comes from. */
export type WeightKind = 'kernel' | 'bias';

/** Makes a weight of a layer (see `WeightedLayer.makeWeight`). */
export type MakeWeight = (kind: WeightKind, name: string, shape: number[]) => tf.LayerVariable;

/** The args of a weighted layer: the base layer args and its two initializers. */
export interface WeightedLayerArgs extends BaseLayerArgs {
  /** Every kernel; default 'glorotUniform'. */
  kernelInitializer?: InitializerSpec;
  /** Every bias; default 'zeros'. */
  biasInitializer?: InitializerSpec;
}

/** What a subclass says about its args. */
export interface WeightedLayerOptions {
  /** The config field of the kernel initializer (default 'kernelInitializer'). */
  kernelField?: string;
  /** The args that have no default, named in the error when no args are given. */
  required?: string;
}

/**
 * A layer whose kernels all come from one initializer (default Glorot uniform) and whose biases
 * all come from another (default zeros). getConfig writes both in serialized form, so a saved
 * model restores the same initializers.
 */
export abstract class WeightedLayer extends tf.layers.Layer {
  protected readonly kernelInitializer: Initializer;
  protected readonly biasInitializer: Initializer;
  private readonly kernelField: string;

  constructor(args: WeightedLayerArgs, options: WeightedLayerOptions = {}) {
    if (args == null)
      throw new LayerConfigError(
        (new.target as unknown as { className: string }).className,
        'args',
        `${options.required ?? 'args'} are required`,
      );
    super(args);
    this.kernelField = options.kernelField ?? 'kernelInitializer';
    const init = kernelAndBiasInitializers(
      (args as Record<string, unknown>)[this.kernelField] as InitializerSpec | undefined,
      args.biasInitializer,
      this.getClassName(),
      this.kernelField,
    );
    this.kernelInitializer = init.kernel;
    this.biasInitializer = init.bias;
  }

  /** `Class 'name'`, how errors about this layer instance name it. */
  protected get label(): string {
    return `${this.getClassName()} '${this.name}'`;
  }

  /** A float32 weight from the kernel or the bias initializer (bound: it may be passed on). */
  protected readonly makeWeight: MakeWeight = (kind, name, shape) => {
    const init = kind === 'kernel' ? this.kernelInitializer : this.biasInitializer;
    return this.addWeight(name, shape, 'float32', init);
  };

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      [this.kernelField]: serializeInitializer(this.kernelInitializer) as never,
      biasInitializer: serializeInitializer(this.biasInitializer) as never,
    };
  }
}
