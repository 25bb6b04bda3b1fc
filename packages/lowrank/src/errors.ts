/**
 * A conversion plan (or an analysis request) that cannot be carried out: a layer that does not
 * exist, a rank above full rank, a layer kind that cannot be converted, a budget that cannot be
 * met. The message names the layer and field at fault and lists what is available.
 */
export class LowRankPlanError extends Error {
  override name = 'LowRankPlanError';
  constructor(
    message: string,
    /** The layer the plan entry names, when the error concerns one. */
    readonly layer?: string,
    /** The plan field at fault (`layer`, `rank`, `energy`, `groups`, `paramsBudget`, ...). */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A layer whose weights cannot be analysed (no kernel, unknown kind). */
export class LowRankAnalysisError extends Error {
  override name = 'LowRankAnalysisError';
  constructor(
    message: string,
    readonly layer?: string,
  ) {
    super(message);
  }
}

/** A calibration batch that does not fit the model (wrong count, shape, NaN output). */
export class LowRankReportError extends Error {
  override name = 'LowRankReportError';
}
