import { describe, expect, it } from 'vitest';
import { DistillConfigError } from './errors.js';
import { resolveLrSchedule } from './lr-schedules.js';

const T = 100;

describe('LR schedules', () => {
  it('constant (spec or plain number)', () => {
    expect(resolveLrSchedule({ type: 'constant', lr: 3e-4 })(77, T)).toBe(3e-4);
    expect(resolveLrSchedule(1e-3)(0, T)).toBe(1e-3);
  });

  it('step: lr * gamma^floor(step / every)', () => {
    const f = resolveLrSchedule({ type: 'step', lr: 1e-2, every: 40, gamma: 0.5 });
    expect(f(0, T)).toBe(1e-2);
    expect(f(39, T)).toBe(1e-2);
    expect(f(40, T)).toBeCloseTo(5e-3, 15);
    expect(f(80, T)).toBeCloseTo(2.5e-3, 15);
  });

  it('cosine: half cosine from lr to minLr', () => {
    const f = resolveLrSchedule({ type: 'cosine', lr: 1e-3, minLr: 1e-5 });
    expect(f(0, T)).toBeCloseTo(1e-3, 15);
    expect(f(50, T)).toBeCloseTo((1e-3 + 1e-5) / 2, 15);
    expect(f(100, T)).toBeCloseTo(1e-5, 15);
  });

  it('warmupCosine: linear warm-up then cosine over the remaining steps', () => {
    const f = resolveLrSchedule({ type: 'warmupCosine', lr: 1e-3, warmupSteps: 10 });
    expect(f(0, T)).toBeCloseTo(1e-4, 15);
    expect(f(4, T)).toBeCloseTo(5e-4, 15);
    expect(f(9, T)).toBeCloseTo(1e-3, 15);
    expect(f(10, T)).toBeCloseTo(1e-3, 15);
    expect(f(55, T)).toBeCloseTo(5e-4, 15); // halfway through the 90 cosine steps
    expect(f(100, T)).toBeCloseTo(0, 15);
  });

  it('exponential: lr * rate^(step / every)', () => {
    const f = resolveLrSchedule({ type: 'exponential', lr: 1e-3, rate: 0.9, every: 10 });
    expect(f(0, T)).toBe(1e-3);
    expect(f(20, T)).toBeCloseTo(1e-3 * 0.81, 15);
  });

  it('rejects unknown types and non-positive rates', () => {
    expect(() => resolveLrSchedule({ type: 'poly', lr: 1 } as never)).toThrow(DistillConfigError);
    expect(() => resolveLrSchedule({ type: 'constant', lr: 0 })).toThrow(/schedule\.lr/);
    expect(() => resolveLrSchedule({ type: 'warmupCosine', lr: 1e-3, warmupSteps: 2.5 })).toThrow(
      /warmupSteps/,
    );
  });
});
