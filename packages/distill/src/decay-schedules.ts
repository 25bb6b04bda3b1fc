import { requireFinite, requirePositive } from './number-checks.js';
import { cosineBetween, progress, type Schedule } from './schedule.js';
import { type ScheduleBuilders, type SpecParams, scheduleFromSpec } from './schedule-spec.js';

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

type Params<K extends DecaySpec['type']> = SpecParams<DecaySpec, K>;

export const decaySchedules = {
  constant(value = 1): Schedule {
    requireFinite('decay.value', value);
    return () => value;
  },
  linear({ from = 1, to = 0 }: Params<'linear'> = {}): Schedule {
    requireFinite('decay.from', from);
    requireFinite('decay.to', to);
    return (step, total) => from + (to - from) * progress(step, total);
  },
  cosine({ from = 1, to = 0 }: Params<'cosine'> = {}): Schedule {
    requireFinite('decay.from', from);
    requireFinite('decay.to', to);
    return (step, total) => cosineBetween(from, to, progress(step, total));
  },
  exponential({ rate, every = 1, from = 1 }: Params<'exponential'>): Schedule {
    requirePositive('decay.rate', rate);
    requirePositive('decay.every', every);
    requireFinite('decay.from', from);
    return (step) => from * rate ** (step / every);
  },
  step({ every, gamma = 0.5, from = 1 }: Params<'step'>): Schedule {
    requirePositive('decay.every', every);
    requireFinite('decay.gamma', gamma);
    requireFinite('decay.from', from);
    return (step) => from * gamma ** Math.floor(step / every);
  },
};

const fromSpec: ScheduleBuilders<DecaySpec> = {
  constant: (spec) => decaySchedules.constant(spec.value ?? 1),
  linear: decaySchedules.linear,
  cosine: decaySchedules.cosine,
  exponential: decaySchedules.exponential,
  step: decaySchedules.step,
};

/** A schedule from a spec, or the user's own function of (step, totalSteps). */
export function resolveDecay(spec: DecaySpec | Schedule | undefined): Schedule {
  if (spec === undefined) return decaySchedules.constant(1);
  if (typeof spec === 'function') return spec;
  return scheduleFromSpec(spec, fromSpec, 'decay.type', 'decay schedule', ' or a function');
}
