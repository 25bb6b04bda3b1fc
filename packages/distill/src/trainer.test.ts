import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildStudent,
  buildTeacher,
  distillRun,
  freshModels,
  maxDiffAll,
  stepData,
  straightRun,
  supervisedRun,
  weightValues,
} from '../test/fixtures.js';
import { killTrainChild } from '../test/kill-train-child.js';
import { tempDirs } from '../test/temp-dirs.js';
import { mean, refCosine, refGradient, refSam } from '../test/reference.js';
import {
  type CheckpointState,
  type CheckpointStore,
  decodeCheckpoint,
  encodeCheckpoint,
} from './checkpoint.js';
import type { Batch } from './data-source.js';
import { CheckpointError, DistillConfigError, DistillDataError } from './errors.js';
import { SeededRng } from './rng.js';
import { createAdapter } from './taps.js';
import type { CheckpointOptions, TrainOptions } from './train-options.js';
import type { ProgressEvent, StepRecord, TrainResult } from './train-result.js';
import { train } from './train-node.js';
import { train as trainWithoutFiles } from './trainer.js';

const tempDir = tempDirs('distill-train-');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('train: supervised', () => {
  it('lowers the L1 loss, follows the LR schedule and disposes each batch', async () => {
    const student = buildStudent(3);
    const seen: Batch[] = [];
    const events: ProgressEvent[] = [];
    const src = stepData();
    const data = {
      batchAt: (s: number, rng: SeededRng) => {
        const b = src.batchAt(s, rng);
        seen.push(b);
        return b;
      },
    };
    const r = await train({
      student,
      optimizer: { type: 'adam' },
      schedule: { type: 'step', lr: 1e-2, every: 10, gamma: 0.5 },
      data,
      steps: 30,
      onProgress: (e) => {
        events.push(e);
      },
    });
    expect(r.step).toBe(30);
    expect(events.map((e) => e.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(events.every((e) => e.stepsPerSecond > 0 && Number.isFinite(e.etaSeconds))).toBe(true);
    expect(events[29].etaSeconds).toBe(0);
    expect(r.aborted).toBe(false);
    expect(src.calls).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(seen.every((b) => b.lr.isDisposed && b.hr.isDisposed)).toBe(true);
    expect(r.history.map((h) => h.lr)).toEqual(
      Array.from({ length: 30 }, (_, i) => 1e-2 * 0.5 ** Math.floor(i / 10)),
    );
    const first = mean(r.history.slice(0, 3).map((h) => h.reconstruction));
    const last = mean(r.history.slice(-3).map((h) => h.reconstruction));
    expect(last).toBeLessThan(0.7 * first);
    // No teacher: the total is the reconstruction alone.
    for (const h of r.history) expect(h.total).toBeCloseTo(h.reconstruction, 6);
    r.dispose();
    student.dispose();
  });

  it('clipNorm bounds each SGD step to exactly lr * clipNorm (schedule reaches the optimizer)', async () => {
    const student = buildStudent(4);
    const clip = 1e-3;
    const lrs = [0.5, 0.25, 0.125];
    const moves: number[] = [];
    let prev = await weightValues(student);
    await train({
      student,
      optimizer: { type: 'sgd' },
      schedule: (s) => lrs[s],
      clipNorm: clip,
      data: stepData(),
      steps: 3,
      onProgress: async (e) => {
        expect(e.losses.gradNorm).toBeGreaterThan(clip);
        const now = await weightValues(student);
        let sq = 0;
        for (const [i, w] of now.entries())
          for (const [k, v] of w.entries()) sq += (v - prev[i][k]) ** 2;
        moves.push(Math.sqrt(sq));
        prev = now;
      },
    });
    for (const [i, m] of moves.entries()) expect(m / (lrs[i] * clip)).toBeCloseTo(1, 3);
    student.dispose();
  });
});

describe('train: output spectral terms and a time budget', () => {
  it('adds outputSam * chord + outputSpectralGradient * |d_band| to the loss, teacher or not', async () => {
    const student = buildStudent(21);
    const kept: Batch[] = [];
    const src = stepData({ seed: 9 });
    const r = await train({
      student,
      loss: { reconstruction: 'l1', outputSam: 0.7, outputSpectralGradient: 1.3 },
      optimizer: { type: 'sgd' },
      schedule: 1e-12,
      data: {
        batchAt: (s, rng) => {
          const b = src.batchAt(s, rng);
          kept.push(b);
          return b;
        },
      },
      disposeBatches: false,
      steps: 1,
    });
    const b = kept[0];
    const pred = await (student.predict(b.lr) as tf.Tensor).data();
    const hr = await b.hr.data();
    const c = 3;
    const l1 = mean(Array.from(pred, (p, k) => Math.abs(p - hr[k])));
    // Independent: chord = 2 sin(angle / 2) per pixel; band differences per pixel.
    const chords: number[] = [];
    const dband: number[] = [];
    for (let p = 0; p < pred.length / c; p++) {
      const a = Array.from(pred.subarray(p * c, p * c + c));
      const t = Array.from(hr.subarray(p * c, p * c + c));
      const dot = a.reduce((x, v, k) => x + v * t[k], 0);
      const na = Math.hypot(...a);
      const nt = Math.hypot(...t);
      const angle = Math.acos(Math.max(-1, Math.min(1, dot / (na * nt))));
      chords.push(2 * Math.sin(angle / 2));
      for (let k = 0; k + 1 < c; k++) dband.push(Math.abs(a[k + 1] - a[k] - (t[k + 1] - t[k])));
    }
    const h = r.history[0];
    expect(h.reconstruction).toBeCloseTo(l1, 5);
    expect(h.spectral).toBeCloseTo(0.7 * mean(chords) + 1.3 * mean(dband), 4);
    expect(h.total).toBeCloseTo(h.reconstruction + h.spectral, 5);
    tf.dispose([b.lr, b.hr]);
    student.dispose();
  });

  it('minutes without steps: stops when the budget is spent, the LR falls over it, the fraction reaches 1', async () => {
    const student = buildStudent(22);
    const events: ProgressEvent[] = [];
    const src = stepData({ seed: 4 });
    const r = await train({
      student,
      optimizer: { type: 'adam' },
      schedule: { type: 'cosine', lr: 1e-2, minLr: 1e-4 },
      data: src,
      minutes: 1.5 / 60,
      onProgress: (e) => {
        events.push(e);
      },
    });
    const last = events[events.length - 1];
    expect(r.aborted).toBe(false);
    expect(r.step).toBeGreaterThan(5);
    expect(last.budgetFraction).toBe(1);
    expect(last.elapsedSeconds).toBeGreaterThanOrEqual(1.4);
    expect(last.elapsedSeconds).toBeLessThan(10);
    // Cosine over the budget: starts at the peak, ends near the floor, never rises.
    expect(events[0].lr).toBeCloseTo(1e-2, 6);
    expect(last.lr).toBeLessThan(2e-3);
    for (let i = 1; i < events.length; i++)
      expect(events[i].lr).toBeLessThanOrEqual(events[i - 1].lr + 1e-12);
    student.dispose();
  });

  it('a resumed run counts the seconds of its first part against the budget', async () => {
    const dir = await tempDir();
    const src = stepData({ seed: 4 });
    const ctrl = new AbortController();
    const first = buildStudent(23);
    const a = await train({
      student: first,
      optimizer: { type: 'adam' },
      schedule: { type: 'cosine', lr: 1e-2 },
      data: src,
      minutes: 2 / 60,
      checkpoint: { dir, every: 1000 },
      onProgress: (e) => {
        if (e.elapsedSeconds > 1.2) ctrl.abort();
      },
      signal: ctrl.signal,
    });
    expect(a.aborted).toBe(true);
    const second = buildStudent(23);
    const t0 = performance.now();
    const b = await train({
      student: second,
      optimizer: { type: 'adam' },
      schedule: { type: 'cosine', lr: 1e-2 },
      data: src,
      minutes: 2 / 60,
      checkpoint: { dir, every: 1000 },
      resume: true,
    });
    const secondPart = (performance.now() - t0) / 1000;
    expect(b.resumedFrom).toBe(a.step);
    expect(b.aborted).toBe(false);
    // About 2 s in all: the resumed part takes what the first left, not a fresh 2 s.
    expect(secondPart).toBeLessThan(1.75);
    first.dispose();
    second.dispose();
  });

  it('the budget running out while a step is reported still ends on a last step, validated and saved', async () => {
    const dir = await tempDir();
    const student = buildStudent(25);
    const events: ProgressEvent[] = [];
    const valBatch = stepData({ seed: 99 }).batchAt(0, new SeededRng(1));
    const r = await train({
      student,
      optimizer: { type: 'adam' },
      schedule: { type: 'cosine', lr: 1e-2 },
      data: stepData({ seed: 4 }),
      minutes: 1 / 60,
      validation: { data: [valBatch], every: 1000, metrics: () => ({ one: 1 }) },
      checkpoint: { dir, every: 1000 },
      // Slow reporting: the budget mostly runs out here, between two steps.
      onProgress: async (e) => {
        events.push(e);
        await new Promise((res) => setTimeout(res, 250));
      },
    });
    const last = events[events.length - 1];
    expect(r.aborted).toBe(false);
    expect(last.budgetFraction).toBe(1);
    expect(last.validation?.step).toBe(r.step);
    expect(last.checkpoint).toBeDefined();
    expect(r.lastCheckpoint).toBe(last.checkpoint);
    // Only the last step was validated and saved (every: 1000).
    expect(events.filter((e) => e.validation || e.checkpoint)).toEqual([last]);
    student.dispose();
  });

  it('refuses a run with neither steps nor minutes, and a non-positive budget', async () => {
    const student = buildStudent(24);
    const base = {
      student,
      optimizer: { type: 'adam' as const },
      schedule: 1e-3,
      data: stepData(),
    };
    await expect(train({ ...base })).rejects.toThrow(DistillConfigError);
    await expect(train({ ...base, minutes: 0 })).rejects.toThrow(/minutes/);
    student.dispose();
  });
});

describe('train: distillation', () => {
  it("reports first-step losses equal to an independent computation of the spec'd loss", async () => {
    const seed = 5;
    const student = buildStudent(11);
    const teacher = buildTeacher(111);
    const kept: Batch[] = [];
    const src = stepData({ seed: 3 });
    const loss = { reconstruction: 'l2' as const, alpha: 0.7, cosine: 1.5, sam: 0.25, gradient: 2 };
    const decay = (s: number, total: number) => 0.6 + s / total;
    // Reference before training: the trainer's adapter is the first seed its rng draws.
    const adapterRef = createAdapter(4, 6, new SeededRng(seed).nextSeed());
    const r = await train({
      student,
      teacher,
      taps: [{ student: 'feat', teacher: 'feat', weight: 0.8 }],
      loss,
      decay,
      optimizer: { type: 'sgd' },
      schedule: 1e-12, // the weights barely move: step 2's losses are checked against step 1's inputs too
      data: {
        batchAt: (s, rng) => {
          const b = src.batchAt(s, rng);
          kept.push(b);
          return b;
        },
      },
      disposeBatches: false,
      steps: 2,
      seed,
    });
    for (const [i, h] of r.history.entries()) {
      const b = kept[i];
      const sub = (m: tf.LayersModel) =>
        tf.model({ inputs: m.inputs, outputs: m.getLayer('feat').output as tf.SymbolicTensor });
      const pred = await (student.predict(b.lr) as tf.Tensor).data();
      const sf = await (
        adapterRef.predict(sub(student).predict(b.lr) as tf.Tensor) as tf.Tensor
      ).data();
      const tfeat = await (sub(teacher).predict(b.lr) as tf.Tensor).data();
      const hr = await b.hr.data();
      const rec = mean(Array.from(pred, (p, k) => (p - hr[k]) ** 2));
      const cos = 0.8 * (1 - mean(refCosine(sf, tfeat, 6)));
      const sam = 0.8 * refSam(sf, tfeat, 6);
      const grad = 0.8 * refGradient(sf, tfeat, [2, 8, 8, 6]);
      const d = decay(i, 2);
      expect(h.decay).toBe(d);
      expect(h.reconstruction).toBeCloseTo(rec, 5);
      expect(h.cosine).toBeCloseTo(cos, 5);
      expect(h.sam).toBeCloseTo(sam, 4);
      expect(h.gradient).toBeCloseTo(grad, 5);
      expect(h.total).toBeCloseTo(rec + 0.7 * d * (1.5 * cos + 0.25 * sam + 2 * grad), 4);
      tf.dispose([b.lr, b.hr]);
    }
    expect(r.adapters[0]).not.toBeNull();
    r.dispose();
    adapterRef.dispose();
    student.dispose();
    teacher.dispose();
  });

  it('keeps tf.memory().numTensors flat across steps and leaves nothing after dispose()', async () => {
    const student = buildStudent(12);
    const teacher = buildTeacher(112);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const valBatch = stepData({ seed: 99 }).batchAt(0, new SeededRng(1));
    const r = await train({
      ...distillRun(12),
      student,
      teacher,
      data: stepData(),
      validation: { data: [valBatch], every: 4, metrics: () => ({ one: 1 }) },
      onProgress: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    // Adam's slots appear on the first step; after that nothing may accumulate.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(r.validations.map((v) => v.step)).toEqual([4, 8, 12]);
    r.dispose();
    tf.dispose([valBatch.lr, valBatch.hr]);
    expect(tf.memory().numTensors).toBe(before);
    student.dispose();
    teacher.dispose();
  });
});

function expectSameHistory(a: StepRecord[], b: StepRecord[]) {
  expect(a.map((h) => h.step)).toEqual(b.map((h) => h.step));
  a.forEach((h, i) => {
    expect(Math.abs(h.total - b[i].total)).toBeLessThan(1e-6);
    expect(Math.abs(h.gradNorm - b[i].gradNorm)).toBeLessThan(1e-5);
    expect(h.lr).toBe(b[i].lr);
    expect(h.decay).toBe(b[i].decay);
  });
}

describe('train: checkpoints and resume', () => {
  const N = 3;
  let reference: { history: StepRecord[]; weights: Float32Array[] };
  beforeAll(async () => {
    reference = await straightRun(2 * N);
  });

  /**
   * `distillRun(2N)` from fresh models, with `extra` options; `check` sees the models and the
   * result before everything is disposed.
   */
  async function runFresh(
    extra: Partial<TrainOptions>,
    check?: (models: ReturnType<typeof freshModels>, r: TrainResult) => Promise<void>,
  ): Promise<TrainResult> {
    const models = freshModels();
    const r = await train({ ...distillRun(2 * N), ...models, data: stepData(), ...extra });
    await check?.(models, r);
    r.dispose();
    models.student.dispose();
    models.teacher.dispose();
    return r;
  }

  /** The run stopped by its AbortSignal after step N. */
  function abortAtN(checkpoint: CheckpointOptions, resume?: boolean) {
    const ctl = new AbortController();
    return runFresh({
      checkpoint,
      resume,
      signal: ctl.signal,
      onProgress: (e) => {
        if (e.step === N) ctl.abort();
      },
    });
  }

  /**
   * Fresh models resumed from `checkpoint` at step N run to 2N: the losses (after `before`, the
   * steps up to N) and the final weights must be those of the uninterrupted run.
   */
  async function expectResumeMatchesReference(checkpoint: CheckpointOptions, before: StepRecord[]) {
    await runFresh({ checkpoint, resume: true }, async ({ student }, r) => {
      expect(r.resumedFrom).toBe(N);
      expect(r.step).toBe(2 * N);
      expectSameHistory([...before, ...r.history], reference.history);
      expect(
        maxDiffAll(await weightValues(student, ...r.adapters), reference.weights),
      ).toBeLessThan(1e-6);
    });
  }

  it('abort at N, resume to 2N: the same weights and losses as an uninterrupted run', async () => {
    const dir = await tempDir();
    // Nothing to resume yet: starts fresh.
    const first = await abortAtN({ dir, every: 100 }, true);
    expect(first.resumedFrom).toBeNull();
    expect(first.aborted).toBe(true);
    expect(first.step).toBe(N);
    expect(first.lastCheckpoint).toMatch(/step-000000003\.hsrckpt$/);
    await expectResumeMatchesReference({ dir, every: 100 }, first.history);
  });

  it('SIGKILL of a training child process after a checkpoint: resume reaches the same numbers', async () => {
    const dir = await tempDir();
    const { exit, out } = await killTrainChild(dir, 2 * N, N, N + 1);
    expect(exit).toBe('SIGKILL');
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4]);
    expect(lines[N - 1].checkpoint).toMatch(/step-000000003\.hsrckpt$/);
    expect(out).not.toContain('FINISHED');

    await expectResumeMatchesReference({ dir, every: N }, reference.history.slice(0, N));
  });

  it('works with any CheckpointStore (no file system): in memory, abort then resume', async () => {
    const saved: CheckpointState[] = [];
    const store: CheckpointStore = {
      save: async (st) => {
        saved.push(decodeCheckpoint(encodeCheckpoint(st), 'memory'));
        return `memory#${saved.length}`;
      },
      load: async () => saved[saved.length - 1] ?? null,
    };
    const first = await abortAtN({ store, every: 2 });
    // Saved at step 2 (every 2) and at step 3 on abort.
    expect(saved.map((c) => c.step)).toEqual([2, N]);
    expect(first.lastCheckpoint).toBe('memory#2');
    await expectResumeMatchesReference({ store, every: 100 }, first.history);
    expect(saved.map((c) => c.step)).toEqual([2, N, 2 * N]); // and the final one
  });

  it('refuses a checkpoint from a different run with CheckpointError', async () => {
    const dir = await tempDir();
    const a = freshModels();
    const r = await train({
      ...distillRun(2),
      ...a,
      data: stepData(),
      checkpoint: { dir, every: 1 },
    });
    r.dispose();
    await expect(
      train({
        ...distillRun(4),
        ...a,
        data: stepData(),
        checkpoint: { dir, every: 1 },
        resume: true,
      }),
    ).rejects.toThrow(/written for a run of 2 steps/);
    const wide = buildStudent(1, 3, 5);
    await expect(
      train({
        ...distillRun(2),
        student: wide,
        teacher: a.teacher,
        data: stepData(),
        checkpoint: { dir, every: 1 },
        resume: true,
      }),
    ).rejects.toThrow(CheckpointError);
    wide.dispose();
    a.student.dispose();
    a.teacher.dispose();
  });
});

describe('train: data sources and errors', () => {
  it('trains from an async generator and from fromStep(); a plain iterable cannot resume', async () => {
    const student = buildStudent(6);
    const src = stepData();
    const rng = new SeededRng(0);
    async function* gen() {
      for (let s = 0; ; s++) yield src.batchAt(s, rng);
    }
    const r1 = await train({
      student,
      optimizer: { type: 'rmsprop' },
      schedule: 1e-3,
      data: gen(),
      steps: 3,
    });
    expect(r1.step).toBe(3);
    const starts: number[] = [];
    const r2 = await train({
      student,
      optimizer: { type: 'sgd', momentum: 0.9 },
      schedule: 1e-3,
      data: {
        fromStep: (s) => {
          starts.push(s);
          return gen();
        },
      },
      steps: 2,
    });
    expect(r2.step).toBe(2);
    expect(starts).toEqual([0]);
    const state = { step: 1, totalSteps: 3 } as never;
    await expect(
      train({
        student,
        optimizer: { type: 'sgd' },
        schedule: 1e-3,
        data: gen(),
        steps: 3,
        resume: state,
      }),
    ).rejects.toThrow(DistillConfigError);
    student.dispose();
  });

  it('rejects bad configuration with DistillConfigError naming the field', async () => {
    const student = buildStudent(7);
    const teacher = buildTeacher(107);
    const base = { student, ...supervisedRun(2), data: stepData() };
    await expect(train({ ...base, steps: 0 })).rejects.toThrow(/'steps'/);
    await expect(train({ ...base, teacher })).rejects.toThrow(/'taps'/);
    await expect(train({ ...base, taps: ['feat'] })).rejects.toThrow(/'teacher'/);
    await expect(train({ ...base, teacher, taps: ['nope'] })).rejects.toThrow(/no layer 'nope'/);
    await expect(train({ ...base, optimizer: { type: 'lbfgs' } as never })).rejects.toThrow(
      /optimizer\.type/,
    );
    await expect(train({ ...base, clipNorm: -1 })).rejects.toThrow(/clipNorm/);
    await expect(train({ ...base, resume: true })).rejects.toThrow(/'resume'/);
    // The browser-safe entry has no file system: a folder is a config error, not a silent no-op.
    await expect(
      trainWithoutFiles({ ...base, checkpoint: { dir: '/tmp/x', every: 1 } }),
    ).rejects.toThrow(/'checkpoint\.dir'.*@hsrkit\/distill\/node/);
    await expect(train({ ...base, teacher, taps: ['feat'], adapters: [] })).rejects.toThrow(
      /1 taps/,
    );
    student.dispose();
    teacher.dispose();
  });

  it('a batch that does not fit the student is a DistillDataError naming the step, with no leak', async () => {
    const student = buildStudent(8);
    const before = tf.memory().numTensors;
    await expect(
      train({
        student,
        ...supervisedRun(3),
        data: {
          batchAt: () => ({
            lr: tf.zeros([1, 8, 8, 3]) as tf.Tensor4D,
            hr: tf.zeros([1, 16, 16, 3]) as tf.Tensor4D,
          }),
        },
      }),
    ).rejects.toThrow(DistillDataError);
    expect(tf.memory().numTensors).toBe(before);
    student.dispose();
  });

  it('an already-aborted signal stops before the first step', async () => {
    const student = buildStudent(9);
    const src = stepData();
    const r = await train({
      student,
      ...supervisedRun(5),
      data: src,
      signal: AbortSignal.abort(),
    });
    expect(r).toMatchObject({ step: 0, aborted: true });
    expect(src.calls).toEqual([]);
    student.dispose();
  });
});
