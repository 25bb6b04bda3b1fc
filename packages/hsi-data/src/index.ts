// Public API of @hsrkit/hsi-data.
export * from './cube.js';
export * from './io/index.js';
export * from './prep/index.js';
export * from './metrics/index.js';
export * from './preview/index.js';
