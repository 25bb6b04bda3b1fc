import * as tf from '@tensorflow/tfjs';
import { describeBackends, expectNoLeak, seededValues } from '@hsrkit/testing';
import { describe, expect, it } from 'vitest';
import { mean, refCosine, refGradient, refSam } from '../test/reference.js';
import { DistillConfigError } from './errors.js';
import { cosineAlignmentLoss, gradientLoss, l1Loss, l2Loss, spectralAngleLoss } from './losses.js';

const SHAPE: [number, number, number, number] = [2, 3, 4, 5];
const N = 2 * 3 * 4 * 5;

describeBackends('losses', () => {
  const a = seededValues(N, 11);
  const b = seededValues(N, 12);

  it('match float64 references from the definitions', async () => {
    await expectNoLeak(async () => {
      const ta = tf.tensor4d(a, SHAPE);
      const tb = tf.tensor4d(b, SHAPE);
      const vals = await Promise.all(
        [
          l1Loss(ta, tb),
          l2Loss(ta, tb),
          cosineAlignmentLoss(ta, tb),
          spectralAngleLoss(ta, tb),
          gradientLoss(ta, tb),
        ].map(async (t) => {
          const v = (await t.data())[0];
          t.dispose();
          return v;
        }),
      );
      tf.dispose([ta, tb]);
      const l1 = mean(Array.from(a, (x, i) => Math.abs(x - b[i])));
      const l2 = mean(Array.from(a, (x, i) => (x - b[i]) ** 2));
      expect(vals[0]).toBeCloseTo(l1, 5);
      expect(vals[1]).toBeCloseTo(l2, 5);
      expect(vals[2]).toBeCloseTo(1 - mean(refCosine(a, b, 5)), 5);
      expect(vals[3]).toBeCloseTo(refSam(a, b, 5), 4);
      expect(vals[4]).toBeCloseTo(refGradient(a, b, SHAPE), 5);
    });
  });

  it('cosine and SAM are zero for the same direction, scale-invariant, and SAM is pi/2 for orthogonal', async () => {
    const x = tf.tensor4d(a, SHAPE);
    const x3 = tf.mul(x, 3);
    // Orthogonal per pixel: (p, q) against (-q, p) in two channels.
    const u = tf.tensor4d([1, 2, -3, 0.5], [1, 1, 2, 2]);
    const v = tf.tensor4d([-2, 1, -0.5, -3], [1, 1, 2, 2]);
    const [c0, s0, sOrth] = [
      cosineAlignmentLoss(x, x3),
      spectralAngleLoss(x, x3),
      spectralAngleLoss(u, v),
    ];
    expect((await c0.data())[0]).toBeLessThan(1e-6);
    expect((await s0.data())[0]).toBeLessThan(2e-3); // acos(1 - 1e-6) = 1.4e-3 floor from the clip
    // WebGPU's acos is an approximation good to ~1e-4.
    expect((await sOrth.data())[0]).toBeCloseTo(Math.PI / 2, 3);
    tf.dispose([x, x3, u, v, c0, s0, sOrth]);
  });

  it('SAM and cosine have finite gradients at zero and identical vectors', async () => {
    const s = tf.tensor4d([0, 0, 0, 1, 2, 3, 0.5, -1, 2, 0, 0, 0], [1, 2, 2, 3]);
    const t = tf.tensor4d([1, 1, 1, 1, 2, 3, 0, 0, 0, 0, 0, 0], [1, 2, 2, 3]);
    for (const f of [spectralAngleLoss, cosineAlignmentLoss]) {
      const g = tf.grad((x: tf.Tensor) => f(x, t))(s);
      const vals = await g.data();
      expect(Array.from(vals).every(Number.isFinite)).toBe(true);
      g.dispose();
    }
    tf.dispose([s, t]);
  });
});

describe('losses (cpu only)', () => {
  it('gradient of SAM matches central differences of the float64 reference', async () => {
    await tf.setBackend('cpu');
    const a = Float32Array.from(seededValues(1 * 2 * 2 * 4, 21));
    const b = Float32Array.from(seededValues(1 * 2 * 2 * 4, 22));
    const tb = tf.tensor4d(b, [1, 2, 2, 4]);
    const g = tf.grad((x: tf.Tensor) => spectralAngleLoss(x, tb))(tf.tensor4d(a, [1, 2, 2, 4]));
    const got = await g.data();
    const h = 1e-5;
    for (let i = 0; i < a.length; i++) {
      const up = Float64Array.from(a);
      const dn = Float64Array.from(a);
      up[i] += h;
      dn[i] -= h;
      const num = (refSam(up, b, 4) - refSam(dn, b, 4)) / (2 * h);
      expect(got[i]).toBeCloseTo(num, 3);
    }
    tf.dispose([g, tb]);
  });

  it('shape mismatches and too-small maps throw DistillConfigError', () => {
    const x = tf.zeros([1, 2, 2, 3]);
    const y = tf.zeros([1, 2, 2, 4]);
    const z = tf.zeros([1, 1, 5, 3]);
    expect(() => cosineAlignmentLoss(x, y)).toThrow(DistillConfigError);
    expect(() => l1Loss(x, y)).toThrow(/\[1,2,2,3\] vs \[1,2,2,4\]/);
    expect(() => gradientLoss(z as tf.Tensor4D, z as tf.Tensor4D)).toThrow(/height and width >= 2/);
    tf.dispose([x, y, z]);
  });
});
