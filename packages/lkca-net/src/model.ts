import * as tf from '@tensorflow/tfjs';
import {
  BicubicResize,
  GroupedConv2D,
  LargeKernelBlock,
  LayerConfigError,
  PixelShuffle,
} from '@hsrkit/layers';
import { FIRST_LAYER_SUFFIX } from '@hsrkit/lowrank';

/** How the features become `bands * scale^2` sub-pixel channels (docs/ARCHITECTURE.md, "The
 * method as built"). */
export type UpsamplerKind = 'conv' | 'group' | 'svd';

export interface LkcaNetConfig {
  /** Spectral bands B of the input and output cube. */
  bands: number;
  /** Upscaling factor s (2, 3, 4, 8 in the paper; any integer >= 2 works). */
  scale: number;
  /** Feature width C (64). */
  channels?: number;
  /** Number of LKB blocks N (student 4, teacher 8). */
  blocks?: number;
  upsampler?: UpsamplerKind;
  /** Groups of the 'group' upsampler (8). */
  upsamplerGroups?: number;
  /** Rank r of the 'svd' upsampler (16). */
  upsamplerRank?: number;
  /** LKB options, passed to every block. */
  kernelSize?: number;
  dilations?: number[];
  fusionGroups?: number;
  reduction?: number;
  /** Sub-pixel channel order of the PixelShuffle: 'tf' (depthToSpace, default) or 'pytorch' (F.pixel_shuffle). */
  pixelShuffleOrder?: 'tf' | 'pytorch';
  /** Fixed spatial input size; null (default) accepts any size. */
  inputSize?: [number, number] | null;
  name?: string;
}

/** Layer names that distillation taps and low-rank conversion rely on. */
export const LKCA_LAYER_NAMES = {
  input: 'lr_input',
  head: 'head',
  block: (i: number) => `lkb_${i}`,
  bodyConv: 'body_conv',
  /** F: the features fed to the upsampler (the design's aligned feature). */
  features: 'features',
  /** The upsampler conv ('conv' and 'group'), or its second (1x1) factor ('svd'). */
  upsampler: 'upsampler',
  /** The first (k x k, C -> r) factor of the 'svd' upsampler: named as @hsrkit/lowrank names the
   * first layer of a converted pair, so a compressed 'conv' model and an 'svd' one look alike. */
  upsamplerReduce: `upsampler${FIRST_LAYER_SUFFIX}`,
  shuffle: 'pixel_shuffle',
  bicubic: 'bicubic_skip',
  output: 'sr_output',
} as const;

export type ResolvedLkcaNetConfig = Required<Omit<LkcaNetConfig, 'inputSize' | 'name'>> & {
  inputSize: [number, number] | null;
  name: string;
};

/** Fills in the design's defaults and checks every number. */
export function resolveLkcaNetConfig(config: LkcaNetConfig): ResolvedLkcaNetConfig {
  const c: ResolvedLkcaNetConfig = {
    channels: 64,
    blocks: 4,
    upsampler: 'conv',
    upsamplerGroups: 8,
    upsamplerRank: 16,
    kernelSize: 3,
    dilations: [5, 7],
    fusionGroups: 4,
    reduction: 16,
    pixelShuffleOrder: 'tf',
    inputSize: null,
    name: 'lkca_net',
    ...config,
  } as ResolvedLkcaNetConfig;
  const positiveInt = (field: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      throw new LayerConfigError('lkcaNet', field, `expected a positive integer, got ${v}`);
  };
  positiveInt('bands', c.bands);
  positiveInt('scale', c.scale);
  if (c.scale < 2)
    throw new LayerConfigError('lkcaNet', 'scale', `expected an integer >= 2, got ${c.scale}`);
  positiveInt('channels', c.channels);
  positiveInt('blocks', c.blocks);
  positiveInt('upsamplerGroups', c.upsamplerGroups);
  positiveInt('upsamplerRank', c.upsamplerRank);
  if (!['conv', 'group', 'svd'].includes(c.upsampler))
    throw new LayerConfigError(
      'lkcaNet',
      'upsampler',
      `expected 'conv', 'group' or 'svd', got '${c.upsampler}'`,
    );
  const out = c.bands * c.scale * c.scale;
  if (c.upsampler === 'group' && (c.channels % c.upsamplerGroups || out % c.upsamplerGroups))
    throw new LayerConfigError(
      'lkcaNet',
      'upsamplerGroups',
      `${c.upsamplerGroups} groups must divide both the width ${c.channels} and bands*scale^2 = ${out}`,
    );
  return c;
}

/**
 * LKCA-Net (arXiv 2501.18664) as docs/ARCHITECTURE.md ("The method as built") specifies it, NHWC:
 * F0 = Conv3x3(B->C)(x); F = LKB^N(F0); F = Conv3x3(C->C)(F) + F0;
 * out = PixelShuffle(s)(Up(F)) + Bicubic_s(x).
 */
export function lkcaNet(config: LkcaNetConfig): tf.LayersModel {
  const c = resolveLkcaNetConfig(config);
  const n = LKCA_LAYER_NAMES;
  const [h, w] = c.inputSize ?? [null, null];
  const x = tf.input({ shape: [h, w, c.bands], name: n.input });
  const head = tf.layers
    .conv2d({ filters: c.channels, kernelSize: 3, padding: 'same', name: n.head })
    .apply(x) as tf.SymbolicTensor;
  let f = head;
  for (let i = 0; i < c.blocks; i++) {
    f = new LargeKernelBlock({
      kernelSize: c.kernelSize,
      dilations: c.dilations,
      fusionGroups: c.fusionGroups,
      reduction: c.reduction,
      name: n.block(i),
    }).apply(f) as tf.SymbolicTensor;
  }
  const body = tf.layers
    .conv2d({ filters: c.channels, kernelSize: 3, padding: 'same', name: n.bodyConv })
    .apply(f) as tf.SymbolicTensor;
  const features = tf.layers.add({ name: n.features }).apply([body, head]) as tf.SymbolicTensor;
  const subPixels = c.bands * c.scale * c.scale;
  let up: tf.SymbolicTensor;
  if (c.upsampler === 'conv') {
    up = tf.layers
      .conv2d({ filters: subPixels, kernelSize: 3, padding: 'same', name: n.upsampler })
      .apply(features) as tf.SymbolicTensor;
  } else if (c.upsampler === 'group') {
    up = new GroupedConv2D({
      filters: subPixels,
      kernelSize: 3,
      groups: c.upsamplerGroups,
      name: n.upsampler,
    }).apply(features) as tf.SymbolicTensor;
  } else {
    const reduced = tf.layers
      .conv2d({
        filters: c.upsamplerRank,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        name: n.upsamplerReduce,
      })
      .apply(features) as tf.SymbolicTensor;
    up = tf.layers
      .conv2d({ filters: subPixels, kernelSize: 1, name: n.upsampler })
      .apply(reduced) as tf.SymbolicTensor;
  }
  const shuffled = new PixelShuffle({
    scale: c.scale,
    channelOrder: c.pixelShuffleOrder,
    name: n.shuffle,
  }).apply(up) as tf.SymbolicTensor;
  const skip = new BicubicResize({ scale: c.scale, name: n.bicubic }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.add({ name: n.output }).apply([shuffled, skip]) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: out, name: c.name });
}

/** The design's distillation student: 4 blocks, low-rank ('svd' by default) upsampler. */
export function lkcaStudent(config: LkcaNetConfig): tf.LayersModel {
  return lkcaNet({ blocks: 4, upsampler: 'svd', name: 'lkca_student', ...config });
}

/** The design's teacher: 8 blocks and the full 'conv' upsampler. */
export function lkcaTeacher(config: LkcaNetConfig): tf.LayersModel {
  return lkcaNet({ blocks: 8, upsampler: 'conv', name: 'lkca_teacher', ...config });
}
