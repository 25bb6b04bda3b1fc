import * as tf from '@tensorflow/tfjs';
import { LowRankPlanError } from './errors.js';
import type { Replacement, WeightValues } from './factorize.js';
import { weightSuffix } from './kernel-layer.js';
import { modelGraph, type PyLayerEntry } from './model-graph.js';

/**
 * A NEW model: `model`'s own topology (every layer with its inbound nodes) with each replaced
 * layer's entry spliced out for its replacement's layers, called in order. The replacements'
 * weights come from their factors, every other layer's are copied. `model` is not touched.
 */
export async function rewriteModel(
  model: tf.LayersModel,
  replacements: ReadonlyMap<string, Replacement>,
): Promise<tf.LayersModel> {
  const graph = modelGraph(model);
  const topology = graph.topology;
  const out: PyLayerEntry[] = [];
  for (const e of topology.config.layers) {
    const rep = replacements.get(String(e.name ?? e.config.name));
    if (!rep) {
      out.push(e);
      continue;
    }
    rep.layers.forEach((l, k) => {
      const config = l.config as Record<string, unknown>;
      if (graph.sequential) {
        out.push({ class_name: l.className, config });
        return;
      }
      // The first layer takes the original's inbound nodes; each next one, its predecessor's.
      const prev = k > 0 ? String(rep.layers[k - 1].config.name) : null;
      const inbound = prev
        ? (e.inbound_nodes ?? []).map(
            (_n, i) => [[prev, i, 0, {}]] as [string, number, number, Record<string, unknown>][],
          )
        : e.inbound_nodes;
      out.push({
        class_name: l.className,
        config,
        name: String(l.config.name),
        inbound_nodes: inbound,
      });
    });
  }
  topology.config.layers = out;
  const converted = await tf.models.modelFromJSON({
    modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'],
  });
  const newWeights = new Map<string, Record<string, WeightValues>>();
  for (const rep of replacements.values())
    for (const l of rep.layers) newWeights.set(String(l.config.name), l.weights);
  try {
    for (const layer of converted.layers) {
      if (layer.weights.length === 0) continue;
      const fresh = newWeights.get(layer.name);
      if (!fresh) {
        layer.setWeights(model.getLayer(layer.name).getWeights());
        continue;
      }
      const tensors = layer.weights.map((w) => {
        const v = fresh[weightSuffix(w)];
        if (!v)
          throw new LowRankPlanError(
            `internal: no initial value for weight '${w.name}' of new layer '${layer.name}'`,
            layer.name,
          );
        return tf.tensor(v.values, v.shape);
      });
      layer.setWeights(tensors);
      tf.dispose(tensors);
    }
  } catch (e) {
    converted.dispose();
    throw e;
  }
  return converted;
}
