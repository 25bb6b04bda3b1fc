import { DistillConfigError } from './errors.js';
import {
  cosineBetween,
  progress,
  requireFinite,
  requirePositive,
  type Schedule,
} from './schedule.js';

/**
 * The teacher's weight D(t) over training (the loss uses alpha * D(t)), as JSON-able specs.
 * All start at `from` (default 1).
 * - constant: `value` throughout (default 1).
 * - linear: `from` -> `to` (default 0) over the run.
 * - cosine: half-cosine `from` -> `to` (default 0) over the run.
 * - exponential: `from * rate^(step / every)`.
 * - step: `from * gamma^floor(step / every)`.
 */
export type DecaySpec =
  | { type: 'constant'; value?: number }
  | { type: 'linear'; from?: number; to?: number }
  | { type: 'cosine'; from?: number; to?: number }
  | { type: 'exponential'; rate: number; every?: number; from?: number }
  | { type: 'step'; every: number; gamma?: number; from?: number };

export const decaySchedules = {
  constant(value = 1): Schedule {
    requireFinite('decay.value', value);
    return () => value;
  },
  linear({ from = 1, to = 0 }: { from?: number; to?: number } = {}): Schedule {
    requireFinite('decay.from', from);
    requireFinite('decay.to', to);
    return (step, total) => from + (to - from) * progress(step, total);
  },
  cosine({ from = 1, to = 0 }: { from?: number; to?: number } = {}): Schedule {
    requireFinite('decay.from', from);
    requireFinite('decay.to', to);
    return (step, total) => cosineBetween(from, to, progress(step, total));
  },
  exponential({
    rate,
    every = 1,
    from = 1,
  }: {
    rate: number;
    every?: number;
    from?: number;
  }): Schedule {
    requirePositive('decay.rate', rate);
    requirePositive('decay.every', every);
    requireFinite('decay.from', from);
    return (step) => from * rate ** (step / every);
  },
  step({
    every,
    gamma = 0.5,
    from = 1,
  }: {
    every: number;
    gamma?: number;
    from?: number;
  }): Schedule {
    requirePositive('decay.every', every);
    requireFinite('decay.gamma', gamma);
    requireFinite('decay.from', from);
    return (step) => from * gamma ** Math.floor(step / every);
  },
};

/** A schedule from a spec, or the user's own function of (step, totalSteps). */
export function resolveDecay(spec: DecaySpec | Schedule | undefined): Schedule {
  if (spec === undefined) return decaySchedules.constant(1);
  if (typeof spec === 'function') return spec;
  switch (spec?.type) {
    case 'constant':
      return decaySchedules.constant(spec.value ?? 1);
    case 'linear':
      return decaySchedules.linear(spec);
    case 'cosine':
      return decaySchedules.cosine(spec);
    case 'exponential':
      return decaySchedules.exponential(spec);
    case 'step':
      return decaySchedules.step(spec);
    default:
      throw new DistillConfigError(
        'decay.type',
        `unknown decay schedule ${JSON.stringify((spec as { type?: unknown })?.type)}; expected constant, linear, cosine, exponential, step or a function`,
      );
  }
}
