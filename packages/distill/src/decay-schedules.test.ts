import { describe, expect, it } from 'vitest';
import { decaySchedules, resolveDecay } from './decay-schedules.js';
import { DistillConfigError } from './errors.js';

const T = 100;

describe('decay schedules D(t)', () => {
  it('constant returns its value at every step', () => {
    const d = resolveDecay({ type: 'constant', value: 0.3 });
    for (const s of [0, 1, 50, 99, 100]) expect(d(s, T)).toBe(0.3);
    expect(resolveDecay(undefined)(42, T)).toBe(1);
  });

  it('linear goes from `from` to `to` over the run', () => {
    const d = decaySchedules.linear({ from: 1, to: 0.2 });
    expect(d(0, T)).toBeCloseTo(1, 12);
    expect(d(25, T)).toBeCloseTo(0.8, 12);
    expect(d(50, T)).toBeCloseTo(0.6, 12);
    expect(d(100, T)).toBeCloseTo(0.2, 12);
    expect(d(150, T)).toBeCloseTo(0.2, 12); // clamped past the end
  });

  it('cosine is a half cosine from 1 to 0', () => {
    const d = resolveDecay({ type: 'cosine' });
    expect(d(0, T)).toBeCloseTo(1, 12);
    expect(d(50, T)).toBeCloseTo(0.5, 12);
    expect(d(25, T)).toBeCloseTo((1 + Math.SQRT1_2) / 2, 12);
    expect(d(75, T)).toBeCloseTo((1 - Math.SQRT1_2) / 2, 12);
    expect(d(100, T)).toBeCloseTo(0, 12);
  });

  it('exponential multiplies by rate every `every` steps, smoothly', () => {
    const d = resolveDecay({ type: 'exponential', rate: 0.5, every: 10 });
    expect(d(0, T)).toBe(1);
    expect(d(10, T)).toBeCloseTo(0.5, 12);
    expect(d(30, T)).toBeCloseTo(0.125, 12);
    expect(d(5, T)).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('step drops by gamma at each multiple of `every`', () => {
    const d = resolveDecay({ type: 'step', every: 30, gamma: 0.1, from: 2 });
    expect(d(0, T)).toBe(2);
    expect(d(29, T)).toBe(2);
    expect(d(30, T)).toBeCloseTo(0.2, 12);
    expect(d(59, T)).toBeCloseTo(0.2, 12);
    expect(d(60, T)).toBeCloseTo(0.02, 12);
  });

  it('a user function of (step, totalSteps) is used as is', () => {
    const d = resolveDecay((s, total) => (s < total / 2 ? 1 : 0));
    expect(d(49, T)).toBe(1);
    expect(d(50, T)).toBe(0);
  });

  it('rejects unknown types and bad parameters with DistillConfigError naming the field', () => {
    expect(() => resolveDecay({ type: 'sigmoid' } as never)).toThrow(DistillConfigError);
    expect(() => resolveDecay({ type: 'sigmoid' } as never)).toThrow(/decay\.type/);
    expect(() => resolveDecay({ type: 'step', every: 0 })).toThrow(/decay\.every/);
    expect(() => resolveDecay({ type: 'exponential', rate: -1 })).toThrow(/decay\.rate/);
    expect(() => resolveDecay({ type: 'linear', to: Number.NaN })).toThrow(/decay\.to/);
  });
});
