// The wasm runtime for the training benchmarks, as `lkca train` starts it: the backend from its
// own dist folder, relaxed SIMD allowed in Node 20, and the training kernels chosen by
// TRAIN_BENCH_KERNELS: 'default' (what the trainer registers by itself), 'cli-before' (what
// `lkca train` registered before @hsrkit/layers had its own training kernels:
// registerWasmTrainingKernels()), 'stand-ins' (registerWasmTrainingKernels({ replaceSlowKernels })),
// 'simd' (prepareTrainingKernels(): @hsrkit/layers' SIMD training kernels).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import v8 from 'node:v8';
import {
  prepareTrainingKernels,
  registerWasmTrainingKernels,
  relaxedSimdSupported,
  resetSubPixelModules,
} from '@hsrkit/layers';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type BenchKernels = 'default' | 'cli-before' | 'stand-ins' | 'simd';

export async function startWasmForBench(
  kernels = (process.env.TRAIN_BENCH_KERNELS ?? 'default') as BenchKernels,
): Promise<string> {
  const require = createRequire(import.meta.url);
  setWasmPaths(
    `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`,
  );
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
  await tf.ready();
  if (!relaxedSimdSupported()) {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    resetSubPixelModules();
  }
  const relaxed = `relaxed SIMD ${relaxedSimdSupported() ? 'on' : 'off'}`;
  if (kernels === 'cli-before') {
    registerWasmTrainingKernels();
    return `wasm (${relaxed}), registerWasmTrainingKernels() as \`lkca train\` called it before`;
  }
  if (kernels === 'stand-ins') {
    registerWasmTrainingKernels({ replaceSlowKernels: true });
    return `wasm (${relaxed}), registerWasmTrainingKernels({ replaceSlowKernels: true })`;
  }
  if (kernels === 'simd') {
    const info = await prepareTrainingKernels();
    return `wasm (${relaxed}), prepareTrainingKernels(): ${info.kernels}`;
  }
  return `wasm (${relaxed}), the trainer's default kernels`;
}
