import { DistillConfigError } from './errors.js';

/** `v` if it is a finite number, else a DistillConfigError naming `field`. */
export function requireFinite(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new DistillConfigError(field, `expected a finite number, got ${String(v)}`);
  return v;
}

/** `v` if it is a finite number > 0, else a DistillConfigError naming `field`. */
export function requirePositive(field: string, v: unknown): number {
  const n = requireFinite(field, v);
  if (n <= 0) throw new DistillConfigError(field, `expected a number > 0, got ${n}`);
  return n;
}

/** `v` if it is an integer >= `min`, else a DistillConfigError naming `field`. */
export function requireInteger(field: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new DistillConfigError(field, `expected an integer >= ${min}, got ${String(v)}`);
  return v;
}
