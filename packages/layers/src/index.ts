// Public API of @hsrkit/layers. Importing this module registers every layer class with
// tf.serialization so saved models load back.
export * from './errors.js';
export * from './dilated-depthwise-conv.js';
export * from './grouped-conv.js';
export * from './pixel-shuffle.js';
export * from './channel-attention.js';
export * from './lkb.js';
export * from './bicubic.js';
export * from './wasm-core/index.js';
export * from './wasm-training/index.js';
export * from './wasm-winograd/index.js';
export * from './wasm-simd/index.js';
