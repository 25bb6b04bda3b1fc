// Shared config plumbing for the layers of this package: initializers that survive a
// getConfig/fromConfig round trip, and the checks that turn bad numbers into LayerConfigError.
import * as tf from '@tensorflow/tfjs';
import { LayerConfigError } from './errors.js';

/** A tf.initializers instance (e.g. `tf.initializers.heNormal({})`). */
export type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** The Keras-style serialized form `{className, config}` that getConfig writes. */
export interface SerializedInitializer {
  className: string;
  config: tf.serialization.ConfigDict;
}

/**
 * What a layer arg accepts for an initializer: an instance, a `tf.initializers` function name
 * ('glorotUniform', 'zeros', ...), or the serialized form that getConfig wrote.
 */
export type InitializerSpec = Initializer | string | SerializedInitializer;

/** The constructor args every tf.layers.Layer takes (name, trainable, inputShape, ...). */
export type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export function resolveInitializer(
  spec: InitializerSpec | undefined,
  fallback: string,
  layer: string,
  field: string,
): Initializer {
  const value = spec ?? fallback;
  if (typeof value === 'string') {
    const factory = (tf.initializers as Record<string, unknown>)[value];
    if (typeof factory !== 'function')
      throw new LayerConfigError(layer, field, `unknown initializer '${value}'`);
    return (factory as (args: object) => Initializer)({});
  }
  if (typeof (value as Initializer).apply === 'function') return value as Initializer;
  const serialized = value as SerializedInitializer;
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[serialized.className];
  if (!entry)
    throw new LayerConfigError(
      layer,
      field,
      `no registered initializer class '${String(serialized.className)}'`,
    );
  const [cls, fromConfig] = entry;
  return fromConfig(cls, serialized.config ?? {}) as unknown as Initializer;
}

/** Unset options become null, as the Keras JSON writer makes them, so configs compare equal. */
export function serializeInitializer(init: Initializer): SerializedInitializer {
  const config: tf.serialization.ConfigDict = {};
  for (const [key, value] of Object.entries(init.getConfig())) config[key] = value ?? null;
  return { className: init.getClassName(), config };
}

export function requirePositiveInt(value: unknown, layer: string, field: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    throw new LayerConfigError(
      layer,
      field,
      `must be an integer >= ${min}, got ${JSON.stringify(value)}`,
    );
  return value;
}

/** The one NHWC input shape of a single-input layer, whatever form Keras hands it in. */
export function singleShape(inputShape: tf.Shape | tf.Shape[], layer: string): tf.Shape {
  const shape = Array.isArray(inputShape[0]) ? (inputShape as tf.Shape[])[0] : inputShape;
  if ((shape as tf.Shape).length !== 4)
    throw new LayerConfigError(
      layer,
      'inputShape',
      `expects a rank-4 NHWC input, got shape [${(shape as tf.Shape).join(', ')}]`,
    );
  return shape as tf.Shape;
}

/** The one input tensor of a single-input layer's call(). */
export function singleInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor4D {
  return (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
}

/** The kernel initializer (default Glorot uniform) and bias initializer (default zeros) of a layer. */
export function kernelAndBiasInitializers(
  kernel: InitializerSpec | undefined,
  bias: InitializerSpec | undefined,
  layer: string,
  kernelField = 'kernelInitializer',
): { kernel: Initializer; bias: Initializer } {
  return {
    kernel: resolveInitializer(kernel, 'glorotUniform', layer, kernelField),
    bias: resolveInitializer(bias, 'zeros', layer, 'biasInitializer'),
  };
}

/** The channel count of a single NHWC input shape; it must be known to build weights. */
export function inputChannels(inputShape: tf.Shape | tf.Shape[], layer: string): number {
  const c = singleShape(inputShape, layer)[3];
  if (c == null)
    throw new LayerConfigError(layer, 'inputShape', 'the channel dimension must be known');
  return c;
}

/**
 * The channel count of a single NHWC input shape, which `divisor` (groups) must divide; else a
 * LayerConfigError on `field` naming the shape.
 */
export function channelsDividedBy(
  inputShape: tf.Shape | tf.Shape[],
  label: string,
  divisor: number,
  field: string,
): number {
  const c = inputChannels(inputShape, label);
  if (c % divisor !== 0)
    throw new LayerConfigError(
      label,
      field,
      `${divisor} groups do not divide the ${c} input channels of input shape ` +
        `[${singleShape(inputShape, label)
          .map((d) => (d == null ? 'null' : d))
          .join(', ')}]`,
    );
  return c;
}
