// False-colour PNG previews of cubes, and grids of them.
export {
  type BandChoice,
  DEFAULT_RGB_NM,
  type FalseColorOptions,
  type FalseColorResult,
  falseColor,
  pickRgbBands,
  type RgbImage,
  type StretchLimits,
} from './false-color.js';
export { composeGrid, type GridOptions } from './grid.js';
export { decodePng, encodePng } from './png.js';
export { type ScalarMapImageOptions, scalarMapImage } from './scalar-map.js';
