import * as tf from '@tensorflow/tfjs';
import { DistillConfigError } from './errors.js';
import { requireFinite } from './number-checks.js';

/**
 * The optimizer, by name. The learning rate comes from the LR schedule and is set before every
 * step. `sgd` with `momentum > 0` is SGD with (optionally Nesterov) momentum.
 */
export type OptimizerSpec =
  | { type: 'adam'; beta1?: number; beta2?: number; epsilon?: number }
  | { type: 'sgd'; momentum?: number; nesterov?: boolean }
  | { type: 'rmsprop'; decay?: number; momentum?: number; epsilon?: number; centered?: boolean };

export function createOptimizer(spec: OptimizerSpec, lr: number): tf.Optimizer {
  switch (spec?.type) {
    case 'adam':
      return tf.train.adam(lr, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? 1e-8);
    case 'sgd': {
      const m = spec.momentum ?? 0;
      requireFinite('optimizer.momentum', m);
      if (m < 0) throw new DistillConfigError('optimizer.momentum', `expected >= 0, got ${m}`);
      return m > 0 ? tf.train.momentum(lr, m, spec.nesterov ?? false) : tf.train.sgd(lr);
    }
    case 'rmsprop':
      return tf.train.rmsprop(
        lr,
        spec.decay ?? 0.9,
        spec.momentum ?? 0,
        spec.epsilon ?? 1e-7,
        spec.centered ?? false,
      );
    default:
      throw new DistillConfigError(
        'optimizer.type',
        `unknown optimizer ${JSON.stringify((spec as { type?: unknown })?.type)}; expected adam, sgd or rmsprop`,
      );
  }
}

/**
 * Sets the rate the optimizer uses on its next step. TF.js's SGD and momentum keep it as a
 * scalar tensor (`setLearningRate`); Adam and RMSProp read the `learningRate` field each step.
 */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.learningRate === lr) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}
