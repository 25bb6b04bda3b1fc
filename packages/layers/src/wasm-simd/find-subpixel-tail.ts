import * as tf from '@tensorflow/tfjs';
import { BicubicResize } from '../bicubic.js';
import { GroupedConv2D } from '../grouped-conv.js';
import { PixelShuffle } from '../pixel-shuffle.js';
import type { SubPixelTailSpec } from './subpixel-tail.js';

/** A model split into the TF.js part before its upsampling conv and the fusable tail after it. */
export interface SubPixelTailSplit {
  /** The model from its input to the upsampling conv's input (the features). */
  features: tf.LayersModel;
  /** The conv, shuffle and skip as {@link SubPixelTail} runs them. */
  spec: SubPixelTailSpec;
  /** Names of the layers the tail replaces. */
  layers: string[];
}

type Sym = tf.SymbolicTensor;
// tfjs-layers keeps the graph on each layer's inbound nodes.
interface Node {
  inputTensors: Sym[];
}

function producers(t: Sym): Sym[] {
  const nodes = (t.sourceLayer as unknown as { inboundNodes: Node[] }).inboundNodes;
  return nodes[t.nodeIndex]?.inputTensors ?? [];
}

const className = (l: tf.layers.Layer) =>
  (l.constructor as unknown as { className: string }).className;
const pair = (v: unknown): number[] => (Array.isArray(v) ? v : [v, v]) as number[];

/**
 * Finds the sub-pixel tail at the end of a model, `out = PixelShuffle(conv(F)) [+ BicubicResize(x)]`
 * with conv a stride-1 'same' 3x3 or a 1x1 tf.layers.conv2d (linear) or a GroupedConv2D, by the
 * graph (not by layer names), so any model built from these layers qualifies, e.g. LKCA-Net with
 * each upsampler kind and models compressed by @hsrkit/lowrank. Returns the split, or why the
 * model has no such tail (for the caller to report and run the model as it is).
 */
export function findSubPixelTail(model: tf.LayersModel): SubPixelTailSplit | { reason: string } {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    return {
      reason: `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs, not 1 and 1`,
    };
  const input = model.inputs[0];
  const out = model.outputs[0];
  let shuffled: Sym = out;
  let skip: BicubicResize | null = null;
  if (className(out.sourceLayer) === 'Add') {
    const [a, b] = producers(out);
    if (producers(out).length !== 2) return { reason: 'the output Add does not have two inputs' };
    const resize = [a, b].find((t) => t.sourceLayer instanceof BicubicResize);
    shuffled = resize === a ? b : a;
    if (!resize) return { reason: 'the output Add has no BicubicResize input' };
    if (producers(resize)[0] !== input)
      return { reason: `'${resize.sourceLayer.name}' does not resize the model input` };
    skip = resize.sourceLayer as BicubicResize;
  }
  const shuffle = shuffled.sourceLayer;
  if (!(shuffle instanceof PixelShuffle))
    return { reason: `'${shuffle.name}' (${className(shuffle)}) is not a PixelShuffle` };
  const s = shuffle.scale;
  if (skip && pair(skip.scale).some((v) => v !== s))
    return { reason: `the bicubic skip scales by ${skip.scale}, the shuffle by ${s}` };
  const convOut = producers(shuffled)[0];
  const conv = convOut.sourceLayer;
  const features = producers(convOut)[0];
  if (!features) return { reason: `'${conv.name}' has no input` };
  const weights = conv.getWeights();
  let groups = 1;
  if (conv instanceof GroupedConv2D) {
    groups = conv.groups;
  } else if (className(conv) === 'Conv2D') {
    const c = conv.getConfig();
    const k = pair(c.kernelSize)[0];
    if (pair(c.strides).some((v) => v !== 1))
      return { reason: `'${conv.name}' has strides ${c.strides}` };
    if (pair(c.dilationRate).some((v) => v !== 1))
      return { reason: `'${conv.name}' is dilated (${c.dilationRate})` };
    if (k === 3 && c.padding !== 'same')
      return { reason: `'${conv.name}' pads '${c.padding}', not 'same'` };
    if ((c.activation ?? 'linear') !== 'linear')
      return { reason: `'${conv.name}' has activation '${c.activation}'` };
    if ((c.dataFormat ?? 'channelsLast') !== 'channelsLast')
      return { reason: `'${conv.name}' is ${c.dataFormat}` };
  } else {
    return { reason: `'${conv.name}' (${className(conv)}) is not a Conv2D or GroupedConv2D` };
  }
  const kernel = weights[0];
  const [kh, kw] = kernel.shape;
  if (!((kh === 3 && kw === 3) || (kh === 1 && kw === 1)))
    return { reason: `'${conv.name}' has a ${kh}x${kw} kernel (3x3 and 1x1 fuse)` };
  const cout = kernel.shape[3] as number;
  if (cout % (s * s))
    return { reason: `'${conv.name}' gives ${cout} channels, not bands*${s * s}` };
  if (groups > 1 && (cout / groups) % 8)
    return {
      reason: `'${conv.name}' has ${cout / groups} outputs per group (a multiple of 8 fuses)`,
    };
  return {
    features: tf.model({ inputs: input, outputs: features, name: `${model.name}_features` }),
    spec: {
      kernel: kernel.dataSync() as Float32Array,
      kernelShape: kernel.shape as [number, number, number, number],
      bias: weights[1] ? (weights[1].dataSync() as Float32Array) : null,
      groups,
      scale: s,
      channelOrder: shuffle.channelOrder,
      bicubicSkip: skip !== null,
    },
    layers: [conv.name, shuffle.name, ...(skip ? [skip.name, out.sourceLayer.name] : [])],
  };
}
