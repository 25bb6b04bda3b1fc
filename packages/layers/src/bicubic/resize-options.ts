import { LayerConfigError } from '../errors.js';
import { checkLength, checkScale } from './matlab-weights.js';
import { type CachedWeights, cachedWeights } from './weight-cache.js';

export interface BicubicResizeOptions {
  /** One scale for both axes or [rows, cols]; output is ceil(in*scale). */
  scale?: number | [number, number];
  /** Output [rows, cols]; the scale per axis is then out/in. Give scale or size, not both. */
  size?: [number, number];
  /** MATLAB's antialiasing when downscaling. Default true. */
  antialias?: boolean;
  /**
   * How the forward pass runs (same numbers up to float rounding): 'auto' (default) picks per
   * axis and backend by a cost model; 'matmul' applies the weight matrices (banded tiles where
   * that pays); 'polyphase' uses the mirrored-pad depthwise conv on every axis with an integer
   * scale (x s or x 1/s) and matMuls on the others. The gradient is always the matMul adjoint.
   */
  method?: BicubicResizeMethod;
}

export type BicubicResizeMethod = 'auto' | 'matmul' | 'polyphase';
export const BICUBIC_RESIZE_METHODS: readonly BicubicResizeMethod[] = [
  'auto',
  'matmul',
  'polyphase',
];

/**
 * The weights of both axes of an [n, h, w, c] resize, from a scale or a size: LayerConfigError
 * (naming `where` and the field) on bad options.
 */
export function planAxes(
  where: string,
  h: number,
  w: number,
  opts: BicubicResizeOptions,
): [CachedWeights, CachedWeights] {
  const antialias = opts.antialias ?? true;
  if (opts.antialias !== undefined && typeof opts.antialias !== 'boolean')
    throw new LayerConfigError(where, 'antialias', `must be a boolean, got ${opts.antialias}`);
  if (opts.scale !== undefined && opts.size !== undefined)
    throw new LayerConfigError(where, 'scale', 'give either scale or size, not both');
  let scales: [number, number];
  let sizes: [number, number];
  if (opts.size !== undefined) {
    if (!Array.isArray(opts.size) || opts.size.length !== 2)
      throw new LayerConfigError(where, 'size', `must be [rows, cols], got ${String(opts.size)}`);
    checkLength(where, 'size[0]', opts.size[0]);
    checkLength(where, 'size[1]', opts.size[1]);
    sizes = [opts.size[0], opts.size[1]];
    scales = [sizes[0] / h, sizes[1] / w];
  } else if (opts.scale !== undefined) {
    scales = resolveScale(where, opts.scale);
    sizes = [Math.ceil(h * scales[0]), Math.ceil(w * scales[1])];
  } else {
    throw new LayerConfigError(where, 'scale', 'give a scale or a size');
  }
  return [
    cachedWeights(h, sizes[0], scales[0], antialias),
    cachedWeights(w, sizes[1], scales[1], antialias),
  ];
}

/** A scale for both axes or [rows, cols], checked, as [rows, cols]. */
export function resolveScale(where: string, scale: number | [number, number]): [number, number] {
  if (Array.isArray(scale)) {
    if (scale.length !== 2)
      throw new LayerConfigError(where, 'scale', `must be a number or [rows, cols], got ${scale}`);
    checkScale(where, 'scale[0]', scale[0]);
    checkScale(where, 'scale[1]', scale[1]);
    return [scale[0], scale[1]];
  }
  checkScale(where, 'scale', scale);
  return [scale, scale];
}
