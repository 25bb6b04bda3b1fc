import { WasmKernelError } from '../wasm-core/errors.js';

/** Activation codes of lkb.h. */
const ACT = { linear: 0, relu: 1, gelu: 2 } as const;
export type LkbActivation = keyof typeof ACT;

/** A Large Kernel Block's sizes as lkb.h takes them. */
export interface LkbBlock {
  C: number;
  stages: number;
  /** Depthwise kernel size. */
  k: number;
  groups: number;
  activation: LkbActivation;
  /** Channel-attention hidden width. */
  hid: number;
}

/** The block's dense weights after the fusion kernel, by input name, in the order lkb.h takes them. */
export const LKB_DENSE_INPUTS = [
  'fuse_bias',
  'ca_down_kernel',
  'ca_down_bias',
  'ca_up_kernel',
  'ca_up_bias',
] as const;

/** Addresses in the module of a block's weights. */
export interface LkbWeightsAt {
  dilations: number;
  dwKernel: number;
  /** The fusion kernel: packed (lkb_pack_fuse) for the forward, raw for the gradient. */
  fuse: number;
  /** By input name: LKB_DENSE_INPUTS for the forward, the two kernels for the gradient. */
  dense: Partial<Record<(typeof LKB_DENSE_INPUTS)[number], number>>;
  /** The forward only. */
  dwBias?: number;
}

/** Where lkbBlockArgs puts the biases (dw, fuse, down, up), which the gradient does not take. */
const BIAS_SLOTS = new Set([5, 7, 11, 14]);

/**
 * The block's arguments that lkb.h's forward (lkb_forward, lkt_forward) takes between the image
 * size and its buffers: C, stages, k, dilations, depthwise kernels and biases, packed fusion
 * kernel and bias, groups, activation, channel-attention down kernel and bias, hidden width, up
 * kernel and bias. The gradient (lkt_backward, `gradient` true) takes the same without the biases.
 */
export function lkbBlockArgs(b: LkbBlock, at: LkbWeightsAt, gradient = false): number[] {
  const { dense: d } = at;
  const args = [b.C, b.stages, b.k, at.dilations, at.dwKernel, at.dwBias, at.fuse, d.fuse_bias];
  args.push(b.groups, ACT[b.activation], d.ca_down_kernel, d.ca_down_bias, b.hid);
  args.push(d.ca_up_kernel, d.ca_up_bias);
  const taken = gradient ? args.filter((_, i) => !BIAS_SLOTS.has(i)) : args;
  const missing = taken.indexOf(undefined);
  if (missing >= 0)
    throw new WasmKernelError('lkbBlockArgs', `argument ${missing} has no address in the module`);
  return taken as number[];
}
