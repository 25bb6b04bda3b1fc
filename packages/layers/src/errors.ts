/** Thrown at layer construction when a config value cannot work; names the layer and the field. */
export class LayerConfigError extends Error {
  override name = 'LayerConfigError';
  constructor(
    readonly layer: string,
    readonly field: string,
    message: string,
  ) {
    super(`${layer}: invalid '${field}': ${message}`);
  }
}
