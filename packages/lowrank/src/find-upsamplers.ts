import type * as tf from '@tensorflow/tfjs';
import { type GraphLayer, type ModelGraph, modelGraph } from './model-graph.js';

/**
 * How an upsampler was recognised: a conv before a depth-to-space layer, a conv after an
 * UpSampling2D, or a transposed conv.
 */
export type UpsamplerPattern = 'pixel-shuffle' | 'upsampling-conv' | 'transposed-conv';

/** A learnable upsampling layer found in a model. */
export interface Upsampler {
  /** The layer holding the upsampler's weights (the one to compress). */
  layer: string;
  className: string;
  kind: UpsamplerPattern;
  /** The parameter-free layer that changes resolution (PixelShuffle / DepthToSpace /
   * UpSampling2D), or the transposed conv itself. */
  via: string;
  /** Scale factor [sy, sx] when the config says it. */
  scale: [number, number] | null;
}

/** Class names of convolutions whose weights can carry an upsampler. */
const CONV_CLASSES = new Set(['Conv2D', 'HsrkitGroupedConv2D', 'SeparableConv2D']);
/** Parameter-free, shape-preserving layers a path may pass through between conv and resampler. */
const PASS_THROUGH = new Set([
  'Activation',
  'ReLU',
  'LeakyReLU',
  'PReLU',
  'ELU',
  'ThresholdedReLU',
  'Dropout',
  'SpatialDropout2D',
  'GaussianNoise',
]);

/** Whether a class name is a depth-to-space style resampler. */
export function isShuffleClass(className: string): boolean {
  return /PixelShuffle|DepthToSpace|SubPixel/i.test(className);
}

function scaleOf(l: GraphLayer): [number, number] | null {
  const c = l.config;
  const v = c.scale ?? c.block_size ?? c.blockSize ?? c.upscale_factor ?? c.size ?? c.strides;
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length >= 2) return [Number(v[0]), Number(v[1])];
  return null;
}

function walk(
  graph: ModelGraph,
  start: string,
  next: (name: string) => string[],
  found: (l: GraphLayer) => boolean,
): GraphLayer[] {
  const out: GraphLayer[] = [];
  const seen = new Set<string>();
  const stack = [...next(start)];
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const l = graph.byName.get(name);
    if (!l) continue;
    if (found(l)) out.push(l);
    else if (PASS_THROUGH.has(l.className)) stack.push(...next(name));
  }
  return out;
}

/**
 * Finds the learnable upsamplers of a model: a conv feeding a PixelShuffle / DepthToSpace /
 * SubPixel layer (any class name containing those words, ours is `HsrkitPixelShuffle`), a conv
 * fed by UpSampling2D, and every Conv2DTranspose. Paths may pass through activations and
 * dropout. Layers are listed in model order.
 */
export function findUpsamplers(model: tf.LayersModel | ModelGraph): Upsampler[] {
  const graph = 'topology' in model ? model : modelGraph(model);
  const found = new Map<string, Upsampler>();
  const isConv = (l: GraphLayer) => CONV_CLASSES.has(l.className);
  // The first pattern that finds a layer names it.
  const add = (layers: GraphLayer[], kind: UpsamplerPattern, via: GraphLayer) => {
    for (const c of layers)
      if (!found.has(c.name))
        found.set(c.name, {
          layer: c.name,
          className: c.className,
          kind,
          via: via.name,
          scale: scaleOf(via),
        });
  };
  for (const l of graph.layers) {
    if (l.className === 'Conv2DTranspose') add([l], 'transposed-conv', l);
    else if (isShuffleClass(l.className))
      add(
        walk(graph, l.name, (n) => graph.byName.get(n)?.inputs ?? [], isConv),
        'pixel-shuffle',
        l,
      );
    else if (l.className === 'UpSampling2D')
      add(
        walk(graph, l.name, (n) => graph.consumers.get(n) ?? [], isConv),
        'upsampling-conv',
        l,
      );
  }
  const order = new Map(graph.layers.map((l, i) => [l.name, i]));
  return [...found.values()].sort((a, b) => order.get(a.layer)! - order.get(b.layer)!);
}
