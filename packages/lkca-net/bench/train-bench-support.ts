// Shared by the training benchmarks (bench/train-step.bench.ts on the CPU,
// scripts/gpu-train-bench.ts on a GPU): the synthetic scene both train on and the PyTorch peer.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Cube } from '@hsrkit/hsi-data';
import * as tf from '@tensorflow/tfjs';
import type { UpsamplerKind } from '../src/model.js';
import { trainOnScenes } from '../src/training.js';

/** A smooth seeded 256 x 256 scene (values in [0, 1]): the data path costs what a real one does. */
export function syntheticScene(bands: number): Cube {
  const rows = 256;
  const cols = 256;
  const data = new Float32Array(rows * cols * bands);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (let b = 0; b < bands; b++)
        data[(r * cols + c) * bands + b] =
          0.5 + 0.25 * Math.sin(r / 7 + b / 5) * Math.cos(c / 9 - b / 11) + 0.1 * Math.sin(r * c);
  return { rows, cols, bands, interleave: 'bip', data };
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One request to bench/pytorch_train_step.py (see its docstring). */
export interface TorchStepRequest {
  bands: number;
  scale: number;
  lr: number;
  upsampler: string;
  batch: number;
  threads: number;
  warmup: number;
  steps: number;
  device?: 'cpu' | 'cuda' | string;
}

export interface TorchStepAnswer {
  ms_per_step: number;
  params: number;
  torch: string;
  device: string;
}

/** The PyTorch peer, one long-lived process (its nets and optimizers persist between requests). */
export class TorchTrainPeer {
  private proc: ChildProcessWithoutNullStreams;
  private lines: AsyncIterator<string>;
  constructor(python: string, script: string) {
    this.proc = spawn(python, [script], { stdio: 'pipe' });
    this.proc.stderr.on('data', (d) => process.stderr.write(d));
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }
  /** Mean ms per step of `req.steps` steps after `req.warmup`; null once the peer has exited. */
  async time(req: TorchStepRequest): Promise<TorchStepAnswer | null> {
    this.proc.stdin.write(`${JSON.stringify(req)}\n`);
    const line = await this.lines.next();
    return line.done ? null : (JSON.parse(line.value) as TorchStepAnswer);
  }
  close() {
    this.proc.stdin.end();
  }
}

/**
 * One seeded `trainOnScenes` run of the design's student on the current backend, as `lkca train`
 * runs it but with L1 alone (what the PyTorch peer computes; `lkca train` adds spectral terms):
 * the time each step ended (`at[step]`), each step's loss, params, the trainer's kernels and the
 * tensors left behind.
 */
export async function benchTrainRun(
  cube: Cube,
  opts: {
    upsampler: UpsamplerKind;
    steps: number;
    seed: number;
    scale: number;
    batch: number;
    hrPatch: number;
  },
) {
  const at: number[] = [];
  const losses: number[] = [];
  const before = tf.memory().numTensors;
  const res = await trainOnScenes({
    scenes: [cube],
    scale: opts.scale,
    model: { upsampler: opts.upsampler },
    steps: opts.steps,
    batchSize: opts.batch,
    patchSize: opts.hrPatch,
    seed: opts.seed,
    spectralLoss: { sam: 0, spectralGradient: 0 },
    onProgress: (e) => {
      at[e.step] = performance.now();
      losses.push(e.losses.total);
    },
  });
  const params = res.model.countParams();
  const kernels = (res.result as { kernels?: string }).kernels ?? 'not reported';
  res.result.dispose();
  res.model.dispose();
  return { at, losses, params, kernels, leaked: tf.memory().numTensors - before };
}
