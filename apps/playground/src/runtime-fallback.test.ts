import { RuntimeUnavailableError, selectRuntime } from '@hsrkit/lkca-net/browser';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { runtimeOrder, startRuntime } from './runtime-fallback.js';
import { isSoftwareAdapter } from './runtime-probe.js';

// The runtime choice with stand-ins for the browser runtimes (WebGPU on a software adapter,
// WebGL starting but failing on the model as a shader that does not compile would, or running
// slowly) and WASM for real.
function convModel(hooks: { beforePredict?: () => void } = {}) {
  const x = tf.input({ shape: [null, null, 3] });
  const model = tf.model({
    inputs: x,
    outputs: tf.layers
      .conv2d({ filters: 3, kernelSize: 3, padding: 'same' })
      .apply(x) as tf.SymbolicTensor,
  });
  const predict = model.predict.bind(model);
  model.predict = (t, c) => {
    hooks.beforePredict?.();
    return predict(t, c);
  };
  return model;
}

/** WebGL stands in as the cpu backend, under the name 'webgl'. */
const standInWebGl: typeof selectRuntime = async (name = 'auto', opts) => {
  if (name === 'webgpu')
    throw new RuntimeUnavailableError('webgpu', 'this browser has no navigator.gpu');
  if (name === 'webgl') {
    await tf.setBackend('cpu');
    return { requested: 'webgl', backend: 'cpu', device: 'stand-in for WebGL' };
  }
  return selectRuntime(name, opts);
};

describe('startRuntime', () => {
  it('orders the runtimes: the chosen one first, then WebGPU, WebGL, WASM, CPU', () => {
    expect(runtimeOrder('auto')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(runtimeOrder('wasm')).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
  });

  it('knows software adapters by name', () => {
    expect(isSoftwareAdapter('google swiftshader (fallback adapter)')).toBe(true);
    expect(
      isSoftwareAdapter(
        'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)',
      ),
    ).toBe(true);
    expect(isSoftwareAdapter('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isSoftwareAdapter('nvidia ampere')).toBe(false);
    expect(isSoftwareAdapter('ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11)')).toBe(false);
  });

  it('auto skips software adapters, passes over a runtime that cannot run the model, picks WASM', async () => {
    let built = 0;
    let disposed = 0;
    const open = async () => {
      built++;
      const model = convModel({
        beforePredict: () => {
          if (tf.getBackend() === 'cpu') throw new Error('Failed to compile fragment shader');
        },
      });
      const dispose = model.dispose.bind(model);
      model.dispose = () => {
        disposed++;
        return dispose();
      };
      return model;
    };
    const adapter = async (r: string) =>
      r === 'webgpu'
        ? { description: 'google swiftshader (fallback adapter)', software: true }
        : r === 'webgl'
          ? { description: 'ANGLE (NVIDIA GeForce)', software: false }
          : undefined;
    const { report, model } = await startRuntime('auto', open, 3, {
      select: standInWebGl,
      adapter,
    });
    expect(report.attempts).toEqual([
      {
        runtime: 'webgpu',
        ok: false,
        adapter: 'google swiftshader (fallback adapter)',
        error: 'skipped: a software adapter (the GPU emulated on the CPU), slower than WASM',
      },
      {
        runtime: 'webgl',
        ok: false,
        adapter: 'ANGLE (NVIDIA GeForce)',
        error: 'Failed to compile fragment shader',
      },
      { runtime: 'wasm', ok: true, chosen: true, adapter: undefined, ms: expect.any(Number) },
      {
        runtime: 'cpu',
        ok: false,
        error: 'skipped: plain JavaScript, only used when nothing else runs',
      },
    ]);
    expect(report).toMatchObject({ backend: 'wasm', timedInput: 32 });
    expect(report.device).toMatch(/^WebAssembly/);
    expect(tf.getBackend()).toBe('wasm');
    // One model per runtime that got as far as building it; the failed one is disposed.
    expect([built, disposed]).toEqual([2, 1]);
    model.dispose();
  });

  it('auto keeps the fastest of the runtimes that run, and says how much slower the others were', async () => {
    // WebGL (a hardware adapter here) runs, but 50 ms slower per forward than WASM.
    const open = async () =>
      convModel({
        beforePredict: () => {
          if (tf.getBackend() !== 'cpu') return;
          const until = performance.now() + 50;
          while (performance.now() < until);
        },
      });
    const adapter = async (r: string) =>
      r === 'webgl' ? { description: 'a hardware GPU', software: false } : undefined;
    const { report, model } = await startRuntime('auto', open, 3, {
      select: standInWebGl,
      adapter,
    });
    const [, webgl, wasm] = report.attempts;
    expect(webgl).toMatchObject({ runtime: 'webgl', ok: true, adapter: 'a hardware GPU' });
    expect(webgl.chosen).toBeUndefined();
    expect(webgl.ms).toBeGreaterThan(50);
    expect(webgl.error).toMatch(/^slower: \d+\.\d ms vs \d+\.\d ms on wasm$/);
    expect(wasm).toMatchObject({ runtime: 'wasm', ok: true, chosen: true });
    expect(wasm.ms).toBeLessThan(webgl.ms as number);
    // The chosen runtime is the current backend again after the later ones were probed.
    expect(tf.getBackend()).toBe('wasm');
    model.dispose();
  });

  it('a forced runtime is taken when it runs, software adapter or not, without timing', async () => {
    const adapter = async () => ({ description: 'google swiftshader', software: true });
    const select: typeof selectRuntime = async (name) => {
      await tf.setBackend('cpu');
      return { requested: name ?? 'auto', backend: 'cpu', device: 'navigator.gpu' };
    };
    const { report, model } = await startRuntime('webgpu', async () => convModel(), 3, {
      select,
      adapter,
    });
    expect(report.attempts).toEqual([
      { runtime: 'webgpu', ok: true, chosen: true, adapter: 'google swiftshader', ms: undefined },
    ]);
    // WebGPU's own device string is just 'navigator.gpu': the adapter says more.
    expect(report.device).toBe('google swiftshader');
    expect(report.timedInput).toBeUndefined();
    model.dispose();
  });

  it('fails with every reason when nothing runs', async () => {
    const select: typeof selectRuntime = async (name) => {
      throw new RuntimeUnavailableError(name ?? 'auto', 'not here');
    };
    await expect(
      startRuntime('auto', async () => tf.sequential(), 1, {
        select,
        adapter: async () => undefined,
      }),
    ).rejects.toThrow(
      /no TF.js runtime could run the model: webgpu: .*not here; webgl: .*; wasm: .*; cpu: .*not here/,
    );
  });
});
