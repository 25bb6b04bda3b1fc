/** Thrown before training starts when an option cannot work; names the option at fault. */
export class DistillConfigError extends Error {
  override name = 'DistillConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`distill: invalid '${field}': ${message}`);
  }
}

/** Thrown during training when a batch from the data source does not fit the models. */
export class DistillDataError extends Error {
  override name = 'DistillDataError';
  constructor(
    readonly step: number,
    message: string,
  ) {
    super(`distill: batch for step ${step}: ${message}`);
  }
}

/** Thrown when a checkpoint cannot be read back or does not fit the models it is loaded into. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
  constructor(
    /** The file (or store label) at fault. */
    readonly source: string,
    message: string,
  ) {
    super(`checkpoint ${source}: ${message}`);
  }
}
