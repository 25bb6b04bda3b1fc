// Tiny seeded models and a seeded, step-addressable data source shared by the trainer tests and
// the child process of the kill-and-resume test (which runs outside vitest: no @hsrkit/testing).
import * as tf from '@tensorflow/tfjs';
import { type Batch, SeededRng, train } from '../src/index.js';

function conv(filters: number, seed: number, name: string, activation?: 'relu') {
  return tf.layers.conv2d({
    filters,
    kernelSize: 3,
    padding: 'same',
    activation,
    name,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed + 1 }),
  });
}

/** 3 bands -> 4 features ('feat') -> 3 bands, plus the input (a residual denoiser). */
export function buildStudent(seed = 1, bands = 3, width = 4): tf.LayersModel {
  const x = tf.input({ shape: [null, null, bands] });
  const f = conv(width, seed, 'feat', 'relu').apply(x) as tf.SymbolicTensor;
  const y = conv(bands, seed + 10, 'recon').apply(f) as tf.SymbolicTensor;
  const out = tf.layers.add({ name: 'out' }).apply([y, x]) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: out, name: 'student' });
}

/** A wider, deeper teacher: 3 -> 6 -> 6 ('feat') -> 3. */
export function buildTeacher(seed = 101, bands = 3, width = 6): tf.LayersModel {
  const x = tf.input({ shape: [null, null, bands] });
  const f0 = conv(width, seed, 'stem', 'relu').apply(x) as tf.SymbolicTensor;
  const f = conv(width, seed + 10, 'feat', 'relu').apply(f0) as tf.SymbolicTensor;
  const y = conv(bands, seed + 20, 'recon').apply(f) as tf.SymbolicTensor;
  const out = tf.layers.add({ name: 'out' }).apply([y, x]) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: out, name: 'teacher' });
}

/** Deterministic values in [0, 1) from a seed alone (a fresh generator, not the trainer's). */
function valuesFor(n: number, seed: number): Float32Array {
  const rng = new SeededRng(seed);
  return Float32Array.from({ length: n }, () => rng.next());
}

/**
 * Denoising batches: hr a smooth seeded pattern in [0, 1], lr = hr + noise. Addressable by step;
 * the trainer's rng picks a horizontal flip, so resuming must restore the rng to match.
 */
export function stepData(
  opts: { batch?: number; size?: number; bands?: number; seed?: number } = {},
): {
  batchAt(step: number, rng: SeededRng): Batch;
  calls: number[];
} {
  const { batch = 2, size = 8, bands = 3, seed = 7 } = opts;
  const calls: number[] = [];
  return {
    calls,
    batchAt(step: number, rng: SeededRng): Batch {
      calls.push(step);
      const flip = rng.next() < 0.5;
      const n = batch * size * size * bands;
      const base = valuesFor(n, seed * 100003 + step);
      const noise = valuesFor(n, seed * 100003 + step + 50_000_000);
      const hr = new Float32Array(n);
      const lr = new Float32Array(n);
      for (let b = 0; b < batch; b++)
        for (let i = 0; i < size; i++)
          for (let j = 0; j < size; j++)
            for (let c = 0; c < bands; c++) {
              const k = ((b * size + i) * size + j) * bands + c;
              const jj = flip ? size - 1 - j : j;
              const v =
                0.5 +
                0.4 * Math.sin(0.7 * i + 0.5 * jj + 1.3 * c + 6.28 * base[(b * bands + c) % n]);
              hr[k] = v;
              lr[k] = v + 0.2 * (noise[k] - 0.5);
            }
      return {
        lr: tf.tensor4d(lr, [batch, size, size, bands]),
        hr: tf.tensor4d(hr, [batch, size, size, bands]),
      };
    },
  };
}

/** All weights of the given models as plain arrays. */
export async function weightValues(...models: (tf.LayersModel | null)[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const m of models)
    if (m) for (const w of m.weights) out.push((await w.read().data()) as Float32Array);
  return out;
}

export function maxDiffAll(a: Float32Array[], b: Float32Array[]): number {
  if (a.length !== b.length) throw new Error(`${a.length} vs ${b.length} arrays`);
  let m = 0;
  a.forEach((x, i) => {
    if (x.length !== b[i].length) throw new Error(`array ${i}: ${x.length} vs ${b[i].length}`);
    for (let k = 0; k < x.length; k++) m = Math.max(m, Math.abs(x[k] - b[i][k]));
  });
  return m;
}

/**
 * The distillation run both the kill-and-resume test and its child process use: Adam, warm-up
 * cosine LR, cosine decay of the teacher, clipping, an auto adapter (student 4 -> teacher 6).
 */
export function distillRun(steps: number) {
  return {
    taps: ['feat'],
    loss: { reconstruction: 'l1' as const, alpha: 0.5, cosine: 1, sam: 0.5, gradient: 0.5 },
    optimizer: { type: 'adam' as const },
    schedule: { type: 'warmupCosine' as const, lr: 5e-3, warmupSteps: 2 },
    decay: { type: 'cosine' as const },
    clipNorm: 1,
    steps,
    seed: 42,
  };
}

/** The student and teacher of `distillRun` (seeds 1 and 101), fresh. */
export function freshModels(): { student: tf.LayersModel; teacher: tf.LayersModel } {
  return { student: buildStudent(1), teacher: buildTeacher(101) };
}

/**
 * `distillRun(steps)` from fresh models without interruption: each step's losses, the final
 * weights (student, then adapters) and the tensors left behind once everything is disposed.
 */
export async function straightRun(steps: number, data = stepData()) {
  const { student, teacher } = freshModels();
  const before = tf.memory().numTensors;
  const r = await train({ ...distillRun(steps), student, teacher, data });
  const weights = await weightValues(student, ...r.adapters);
  r.dispose();
  const leaked = tf.memory().numTensors - before;
  student.dispose();
  teacher.dispose();
  return { history: r.history, weights, leaked };
}

/** A plain supervised run: Adam at a fixed rate `lr`. */
export function supervisedRun(steps: number, lr = 1e-3) {
  return { optimizer: { type: 'adam' as const }, schedule: lr, steps };
}
