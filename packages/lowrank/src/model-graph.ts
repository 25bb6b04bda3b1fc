import type * as tf from '@tensorflow/tfjs';

/** One layer of a model as its serialised topology describes it. */
export interface GraphLayer {
  name: string;
  className: string;
  /** The layer's config as saved (snake_case keys). */
  config: Record<string, unknown>;
  /** Names of the layers feeding it, over all its calls, in order, without repeats. */
  inputs: string[];
}

/** The layer graph of a LayersModel (functional or Sequential), read from its own topology. */
export interface ModelGraph {
  /** True for a Sequential model. */
  sequential: boolean;
  /** Layers in the topology's (topological) order. */
  layers: GraphLayer[];
  byName: Map<string, GraphLayer>;
  /** Layer name -> names of the layers it feeds. */
  consumers: Map<string, string[]>;
  /** The serialised topology (`model.toJSON(null, false)`), for rewriting. */
  topology: PyModelTopology;
}

export interface PyLayerEntry {
  class_name: string;
  config: Record<string, unknown>;
  name?: string;
  /** Functional models: per call, the list of [layerName, nodeIndex, tensorIndex, kwargs]. */
  inbound_nodes?: [string, number, number, Record<string, unknown>][][];
}

export interface PyModelTopology {
  class_name: string;
  config: {
    name?: string;
    layers: PyLayerEntry[];
    input_layers?: [string, number, number][];
    output_layers?: [string, number, number][];
  };
  [key: string]: unknown;
}

/** Reads the layer graph of `model` from a fresh copy of its serialised topology. */
export function modelGraph(model: tf.LayersModel): ModelGraph {
  const topology = model.toJSON(null, false) as unknown as PyModelTopology;
  const sequential = topology.class_name === 'Sequential';
  const entries = topology.config.layers;
  const layers: GraphLayer[] = [];
  let previous: string | null = null;
  for (const e of entries) {
    const name = String(e.name ?? e.config.name);
    let inputs: string[];
    if (sequential) inputs = previous ? [previous] : [];
    else {
      const seen = new Set<string>();
      for (const node of e.inbound_nodes ?? []) for (const ref of node) seen.add(String(ref[0]));
      inputs = [...seen];
    }
    layers.push({ name, className: e.class_name, config: e.config, inputs });
    previous = name;
  }
  const byName = new Map(layers.map((l) => [l.name, l]));
  const consumers = new Map<string, string[]>(layers.map((l) => [l.name, []]));
  for (const l of layers) for (const i of l.inputs) consumers.get(i)?.push(l.name);
  return { sequential, layers, byName, consumers, topology };
}
