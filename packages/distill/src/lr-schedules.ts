import { requireFinite, requireInteger, requirePositive } from './number-checks.js';
import { cosineBetween, progress, type Schedule } from './schedule.js';
import { type ScheduleBuilders, type SpecParams, scheduleFromSpec } from './schedule-spec.js';

/**
 * Learning rate over training, as JSON-able specs; `lr` is the peak (base) rate.
 * - constant: `lr`.
 * - step: `lr * gamma^floor(step / every)`.
 * - cosine: half-cosine `lr` -> `minLr` (default 0) over the run.
 * - warmupCosine: linear ramp `lr * (step + 1) / warmupSteps` for the first `warmupSteps` steps,
 *   then half-cosine `lr` -> `minLr` over the remaining steps.
 * - exponential: `lr * rate^(step / every)`.
 */
export type LrScheduleSpec =
  | { type: 'constant'; lr: number }
  | { type: 'step'; lr: number; every: number; gamma?: number }
  | { type: 'cosine'; lr: number; minLr?: number }
  | { type: 'warmupCosine'; lr: number; warmupSteps: number; minLr?: number }
  | { type: 'exponential'; lr: number; rate: number; every?: number };

type Params<K extends LrScheduleSpec['type']> = SpecParams<LrScheduleSpec, K>;

export const lrSchedules = {
  constant(lr: number): Schedule {
    requirePositive('schedule.lr', lr);
    return () => lr;
  },
  step({ lr, every, gamma = 0.1 }: Params<'step'>): Schedule {
    requirePositive('schedule.lr', lr);
    requirePositive('schedule.every', every);
    requirePositive('schedule.gamma', gamma);
    return (step) => lr * gamma ** Math.floor(step / every);
  },
  cosine({ lr, minLr = 0 }: Params<'cosine'>): Schedule {
    requirePositive('schedule.lr', lr);
    requireFinite('schedule.minLr', minLr);
    return (step, total) => cosineBetween(lr, minLr, progress(step, total));
  },
  warmupCosine({ lr, warmupSteps, minLr = 0 }: Params<'warmupCosine'>): Schedule {
    requirePositive('schedule.lr', lr);
    requireInteger('schedule.warmupSteps', warmupSteps, 0);
    requireFinite('schedule.minLr', minLr);
    return (step, total) => {
      if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
      return cosineBetween(lr, minLr, progress(step - warmupSteps, total - warmupSteps));
    };
  },
  exponential({ lr, rate, every = 1 }: Params<'exponential'>): Schedule {
    requirePositive('schedule.lr', lr);
    requirePositive('schedule.rate', rate);
    requirePositive('schedule.every', every);
    return (step) => lr * rate ** (step / every);
  },
};

const fromSpec: ScheduleBuilders<LrScheduleSpec> = {
  constant: (spec) => lrSchedules.constant(spec.lr),
  step: lrSchedules.step,
  cosine: lrSchedules.cosine,
  warmupCosine: lrSchedules.warmupCosine,
  exponential: lrSchedules.exponential,
};

/** A schedule from a spec, a fixed rate, or the user's own function of (step, totalSteps). */
export function resolveLrSchedule(spec: LrScheduleSpec | Schedule | number): Schedule {
  if (typeof spec === 'number') return lrSchedules.constant(spec);
  if (typeof spec === 'function') return spec;
  return scheduleFromSpec(
    spec,
    fromSpec,
    'schedule.type',
    'LR schedule',
    ', a number or a function',
  );
}
