import type * as tf from '@tensorflow/tfjs';

/** Attributes tfjs-core passes to both depthwise backprop kernels (NHWC only). */
export interface DepthwiseBackpropAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
