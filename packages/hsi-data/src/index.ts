// Public API of @hsrkit/hsi-data, browser-safe: nothing here reaches a Node built-in (the test
// src/browser-bundle.test.ts bundles this entry for the browser to keep it so). Readers and
// writers by file path are in './node' (src/node.ts).
export * from './cube.js';
export {
  HsiConfigError,
  HsiDataValueError,
  HsiFormatError,
  HsiIoError,
  HsiOutputPathError,
  HsiShapeError,
  HsiTruncatedError,
  HsiValueError,
  type HsiValueErrorDetail,
  type OutputPathProblem,
} from './errors.js';
export * from './io/index.js';
export * from './prep/index.js';
export * from './metrics/index.js';
export * from './preview/index.js';
