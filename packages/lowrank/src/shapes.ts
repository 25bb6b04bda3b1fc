import * as tf from '@tensorflow/tfjs';
import { LowRankAnalysisError } from './errors.js';

/** Shapes of a model's inputs without the batch axis: one per input. */
export type InputShapes = readonly (readonly number[])[];

/** Accepts [H, W, C] for a one-input model or [[H, W, C], ...] for several. */
export function normaliseInputShapes(
  model: tf.LayersModel,
  shape: readonly number[] | InputShapes,
): number[][] {
  const list = (Array.isArray(shape[0]) ? shape : [shape]) as number[][];
  if (list.length !== model.inputs.length)
    throw new LowRankAnalysisError(
      `inputShape gives ${list.length} shape(s) but model '${model.name}' has ${model.inputs.length} input(s)`,
    );
  return list.map((s, i) => {
    const expected = model.inputs[i].shape.slice(1);
    if (s.length !== expected.length || s.some((d, j) => expected[j] != null && expected[j] !== d))
      throw new LowRankAnalysisError(
        `inputShape [${s}] does not fit model input ${i} of shape [${expected.map((d) => d ?? 'null')}] (batch axis left out)`,
      );
    return [...s];
  });
}

/**
 * The input shape (without batch) of the first call of every layer, found by running the model
 * once on zeros of the given input shapes with batch 1. Layers whose input shape is already fully
 * known are read without running anything.
 */
export function layerInputShapes(
  model: tf.LayersModel,
  inputShape?: readonly number[] | InputShapes,
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const probes: { layer: string; tensor: tf.SymbolicTensor }[] = [];
  for (const layer of model.layers) {
    const node = (layer as unknown as { inboundNodes: { inputTensors: tf.SymbolicTensor[] }[] })
      .inboundNodes[0];
    const t = node?.inputTensors?.[0];
    if (!t) continue;
    const s = t.shape.slice(1);
    if (s.every((d) => typeof d === 'number')) out.set(layer.name, s as number[]);
    else if (inputShape) probes.push({ layer: layer.name, tensor: t });
  }
  if (probes.length === 0 || !inputShape) return out;
  const shapes = normaliseInputShapes(model, inputShape);
  // Only tensors the model can compute from its own inputs.
  const unique = [...new Set(probes.map((p) => p.tensor))];
  const probe = tf.model({ inputs: model.inputs, outputs: unique });
  tf.tidy(() => {
    const xs = shapes.map((s) => tf.zeros([1, ...s]));
    const ys = probe.predict(xs.length === 1 ? xs[0] : xs);
    const list = Array.isArray(ys) ? ys : [ys];
    const byTensor = new Map(unique.map((t, i) => [t, list[i].shape.slice(1)]));
    for (const p of probes) out.set(p.layer, byTensor.get(p.tensor)!);
  });
  return out;
}
