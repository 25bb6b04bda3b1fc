import * as tf from '@tensorflow/tfjs';
import { DistillConfigError } from './errors.js';

/**
 * A model that shares `model`'s layers and weights and returns `[output, ...taps]`: the model's
 * first output, then the outputs of the named layers. No layer is copied or patched; training
 * the returned model trains `model`. Do not dispose it (that would dispose the shared weights).
 */
export function tapModel(
  model: tf.LayersModel,
  layerNames: readonly string[],
  field = 'taps',
): tf.LayersModel {
  if (model.outputs.length !== 1)
    throw new DistillConfigError(
      field,
      `model '${model.name}' has ${model.outputs.length} outputs; the trainer needs exactly one (the reconstruction)`,
    );
  const tapped: tf.SymbolicTensor[] = layerNames.map((name) => {
    let layer: tf.layers.Layer;
    try {
      layer = model.getLayer(name);
    } catch {
      const names = model.layers.map((l) => l.name).join(', ');
      throw new DistillConfigError(
        field,
        `model '${model.name}' has no layer '${name}' (layers: ${names})`,
      );
    }
    const out = layer.output;
    if (Array.isArray(out))
      throw new DistillConfigError(
        field,
        `layer '${name}' of model '${model.name}' has ${out.length} outputs; tap a single-output layer`,
      );
    if (layer.inboundNodes.length > 1)
      throw new DistillConfigError(
        field,
        `layer '${name}' of model '${model.name}' is used ${layer.inboundNodes.length} times; its output is ambiguous`,
      );
    return out;
  });
  if (tapped.length === 0) return model;
  return tf.model({ inputs: model.inputs, outputs: [model.outputs[0], ...tapped] });
}

/** Channel count (last axis) of a symbolic output, or an error naming it. */
export function channelsOf(t: tf.SymbolicTensor, field: string): number {
  const c = t.shape[t.shape.length - 1];
  if (t.shape.length !== 4 || c == null)
    throw new DistillConfigError(
      field,
      `tapped feature must be NHWC with a known channel count, got shape [${t.shape}]`,
    );
  return c;
}

/**
 * A 1x1 conv (with bias) mapping student features of width `from` to the teacher's width `to`,
 * with a seeded Glorot-uniform kernel so runs are reproducible. Trained with the student.
 */
export function createAdapter(
  from: number,
  to: number,
  seed: number,
  name?: string,
): tf.LayersModel {
  const input = tf.input({ shape: [null, null, from] });
  const conv = tf.layers.conv2d({
    filters: to,
    kernelSize: 1,
    padding: 'same',
    useBias: true,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: 'zeros',
  });
  return tf.model({ inputs: input, outputs: conv.apply(input) as tf.SymbolicTensor, name });
}
