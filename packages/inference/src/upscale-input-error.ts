/** The input, the model and the requested scale do not fit together. */
export class UpscaleInputError extends Error {
  override name = 'UpscaleInputError';
}
