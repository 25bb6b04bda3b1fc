/** A value as a function of the 0-based step and the run's total number of steps. */
export type Schedule = (step: number, totalSteps: number) => number;

/** Fraction of the run done at `step`, clamped to [0, 1]. */
export function progress(step: number, totalSteps: number): number {
  if (totalSteps <= 0) return 1;
  return Math.min(1, Math.max(0, step / totalSteps));
}

/** Half-cosine from `from` (p = 0) to `to` (p = 1). */
export function cosineBetween(from: number, to: number, p: number): number {
  return to + (from - to) * 0.5 * (1 + Math.cos(Math.PI * p));
}
