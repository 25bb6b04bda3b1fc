import { DistillConfigError } from './errors.js';
import {
  cosineBetween,
  progress,
  requireFinite,
  requirePositive,
  type Schedule,
} from './schedule.js';

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

export const lrSchedules = {
  constant(lr: number): Schedule {
    requirePositive('schedule.lr', lr);
    return () => lr;
  },
  step({ lr, every, gamma = 0.1 }: { lr: number; every: number; gamma?: number }): Schedule {
    requirePositive('schedule.lr', lr);
    requirePositive('schedule.every', every);
    requirePositive('schedule.gamma', gamma);
    return (step) => lr * gamma ** Math.floor(step / every);
  },
  cosine({ lr, minLr = 0 }: { lr: number; minLr?: number }): Schedule {
    requirePositive('schedule.lr', lr);
    requireFinite('schedule.minLr', minLr);
    return (step, total) => cosineBetween(lr, minLr, progress(step, total));
  },
  warmupCosine({
    lr,
    warmupSteps,
    minLr = 0,
  }: {
    lr: number;
    warmupSteps: number;
    minLr?: number;
  }): Schedule {
    requirePositive('schedule.lr', lr);
    requireFinite('schedule.warmupSteps', warmupSteps);
    if (warmupSteps < 0 || !Number.isInteger(warmupSteps))
      throw new DistillConfigError(
        'schedule.warmupSteps',
        `expected an integer >= 0, got ${warmupSteps}`,
      );
    requireFinite('schedule.minLr', minLr);
    return (step, total) => {
      if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
      return cosineBetween(lr, minLr, progress(step - warmupSteps, total - warmupSteps));
    };
  },
  exponential({ lr, rate, every = 1 }: { lr: number; rate: number; every?: number }): Schedule {
    requirePositive('schedule.lr', lr);
    requirePositive('schedule.rate', rate);
    requirePositive('schedule.every', every);
    return (step) => lr * rate ** (step / every);
  },
};

/** A schedule from a spec, a fixed rate, or the user's own function of (step, totalSteps). */
export function resolveLrSchedule(spec: LrScheduleSpec | Schedule | number): Schedule {
  if (typeof spec === 'number') return lrSchedules.constant(spec);
  if (typeof spec === 'function') return spec;
  switch (spec?.type) {
    case 'constant':
      return lrSchedules.constant(spec.lr);
    case 'step':
      return lrSchedules.step(spec);
    case 'cosine':
      return lrSchedules.cosine(spec);
    case 'warmupCosine':
      return lrSchedules.warmupCosine(spec);
    case 'exponential':
      return lrSchedules.exponential(spec);
    default:
      throw new DistillConfigError(
        'schedule.type',
        `unknown LR schedule ${JSON.stringify((spec as { type?: unknown })?.type)}; expected constant, step, cosine, warmupCosine, exponential, a number or a function`,
      );
  }
}
