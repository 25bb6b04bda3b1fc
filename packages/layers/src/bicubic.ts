// MATLAB `imresize(A, scale, 'bicubic')` as separable weight matrices, one per axis, applied
// with matMuls (so it runs and trains on every backend) or, for an integer scale (x s, x 1/s)
// where a per-backend cost model says it pays, as the equivalent polyphase depthwise conv
// (same numbers: the weights are shift-invariant). The public face of the bicubic/ folder:
// - matlab-weights: MATLAB's kernel, contributions and edge folding (plain JS);
// - weight-cache: the weights and plans of an axis, built once (imresizeWeights);
// - axis-plan: one axis as dense or banded-tile matMuls; polyphase: as a depthwise conv;
// - cost-model: per-backend costs that choose between them; axis-step, matmul-resize: the
//   order and way each axis runs; resize-options: scale or size;
// - bicubic-resize: the op with its adjoint gradient; bicubic-resize-layer: the layer.
export { type ImresizeWeightsOptions, bicubicOutputSize } from './bicubic/matlab-weights.js';
export { imresizeWeights } from './bicubic/weight-cache.js';
export type { BicubicResizeMethod, BicubicResizeOptions } from './bicubic/resize-options.js';
export { bicubicResize } from './bicubic/bicubic-resize.js';
export {
  BicubicResize,
  type BicubicResizeLayerArgs,
  bicubicResize2D,
} from './bicubic/bicubic-resize-layer.js';
