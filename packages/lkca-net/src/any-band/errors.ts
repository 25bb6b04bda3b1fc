/** Bad any-band configuration: names the field at fault. */
export class AnyBandConfigError extends Error {
  override name = 'AnyBandConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`any-band model: invalid '${field}': ${message}`);
  }
}

/** An input cube the any-band model cannot super-resolve (shape, no-data). */
export class AnyBandInputError extends Error {
  override name = 'AnyBandInputError';
  constructor(
    readonly what: string,
    message: string,
  ) {
    super(`any-band model: ${what}: ${message}`);
  }
}
