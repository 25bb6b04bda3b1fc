/** Shapes that do not fit together (two cubes of different sizes, a patch larger than the image...). */
export class HsiShapeError extends Error {
  override name = 'HsiShapeError';
}

/** An option or record field that cannot work (a negative sigma, a percentile outside 0..100...). */
export class HsiConfigError extends Error {
  override name = 'HsiConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`invalid '${field}': ${message}`);
  }
}

/** Input values that cannot be used (NaN, a constant cube to stretch, no data left after masking). */
export class HsiValueError extends Error {
  override name = 'HsiValueError';
}

/** Formats a shape for error messages: `[40, 36, 50]`. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
