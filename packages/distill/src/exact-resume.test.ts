// Issue 15: resuming is bit-identical to an uninterrupted run (weights, optimizer state including
// Adam's running beta powers, generator, data order), after an abort and after a SIGKILL.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distillRun, freshModels, stepData, weightValues } from '../test/fixtures.js';
import { killTrainChild } from '../test/kill-train-child.js';
import { train } from './node.js';

/** The weights as bytes, to compare bit for bit (toEqual on floats would let -0 equal 0). */
function bytesOf(arrays: Float32Array[]): Uint8Array[] {
  return arrays.map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

describe('exact resume', () => {
  const steps = 40;
  let reference: Uint8Array[];
  const dirs: string[] = [];
  const tempDir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'distill-exact-'));
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const { student, teacher } = freshModels();
    const r = await train({ ...distillRun(steps), student, teacher, data: stepData() });
    reference = bytesOf(await weightValues(student, ...r.adapters));
    r.dispose();
    student.dispose();
    teacher.dispose();
  });
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** Fresh models trained with checkpoints in `dir` (plus `extra` options). */
  async function trainIn(dir: string, extra: Partial<Parameters<typeof train>[0]>) {
    const models = freshModels();
    const r = await train({
      ...distillRun(steps),
      ...models,
      data: stepData(),
      checkpoint: { dir, every: 1000 },
      ...extra,
    });
    return { r, ...models };
  }

  async function resumeToEnd(dir: string) {
    const { r, student, teacher } = await trainIn(dir, { resume: true });
    const weights = bytesOf(await weightValues(student, ...r.adapters));
    const resumedFrom = r.resumedFrom;
    r.dispose();
    student.dispose();
    teacher.dispose();
    return { weights, resumedFrom };
  }

  it('abort at step 23 of 40 and resume: every weight byte equals the uninterrupted run', async () => {
    const dir = await tempDir();
    const ctl = new AbortController();
    const { r, student, teacher } = await trainIn(dir, {
      signal: ctl.signal,
      onProgress: (e) => {
        if (e.step === 23) ctl.abort();
      },
    });
    expect([r.aborted, r.step]).toEqual([true, 23]);
    r.dispose();
    student.dispose();
    teacher.dispose();
    const resumed = await resumeToEnd(dir);
    expect(resumed.resumedFrom).toBe(23);
    expect(resumed.weights).toEqual(reference);
  });

  it('SIGKILL of a training child after its checkpoint at step 20: resume is bit-identical', async () => {
    const dir = await tempDir();
    const { exit } = await killTrainChild(dir, steps, 20, 21);
    expect(exit).toBe('SIGKILL');
    const resumed = await resumeToEnd(dir);
    expect(resumed.resumedFrom).toBe(20);
    expect(resumed.weights).toEqual(reference);
  }, 120000);
});
