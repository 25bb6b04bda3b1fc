import { DistillConfigError } from './errors.js';

/** A value as a function of the 0-based step and the run's total number of steps. */
export type Schedule = (step: number, totalSteps: number) => number;

export function requireFinite(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new DistillConfigError(field, `expected a finite number, got ${String(v)}`);
  return v;
}

export function requirePositive(field: string, v: unknown): number {
  const n = requireFinite(field, v);
  if (n <= 0) throw new DistillConfigError(field, `expected a number > 0, got ${n}`);
  return n;
}

/** Fraction of the run done at `step`, clamped to [0, 1]. */
export function progress(step: number, totalSteps: number): number {
  if (totalSteps <= 0) return 1;
  return Math.min(1, Math.max(0, step / totalSteps));
}

/** Half-cosine from `from` (p = 0) to `to` (p = 1). */
export function cosineBetween(from: number, to: number, p: number): number {
  return to + (from - to) * 0.5 * (1 + Math.cos(Math.PI * p));
}
