import { RuntimeUnavailableError, selectRuntime } from '@hsrkit/lkca-net/browser';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { runtimeOrder, startRuntime } from './runtime-fallback.js';

// The fallback logic with stand-ins for the browser runtimes: WebGPU missing, WebGL starting but
// failing on the model (as a shader that does not compile would), WASM working for real.
describe('startRuntime', () => {
  it('orders the runtimes: the chosen one first, then WebGPU, WebGL, WASM, CPU', () => {
    expect(runtimeOrder('auto')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(runtimeOrder('wasm')).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
  });

  it('falls back past a runtime that starts but cannot run the model, and says why', async () => {
    const select: typeof selectRuntime = async (name = 'auto') => {
      if (name === 'webgpu')
        throw new RuntimeUnavailableError('webgpu', 'this browser has no navigator.gpu');
      if (name === 'webgl') {
        await tf.setBackend('cpu');
        return { requested: 'webgl', backend: 'cpu', device: 'stand-in for WebGL' };
      }
      return selectRuntime(name);
    };
    let built = 0;
    let disposed = 0;
    const open = async () => {
      built++;
      const x = tf.input({ shape: [null, null, 3] });
      const model = tf.model({
        inputs: x,
        outputs: tf.layers
          .conv2d({ filters: 3, kernelSize: 3, padding: 'same' })
          .apply(x) as tf.SymbolicTensor,
      });
      const predict = model.predict.bind(model);
      model.predict = (t, c) => {
        if (tf.getBackend() === 'cpu') throw new Error('Failed to compile fragment shader');
        return predict(t, c);
      };
      const dispose = model.dispose.bind(model);
      model.dispose = () => {
        disposed++;
        return dispose();
      };
      return model;
    };
    const { report, model } = await startRuntime('auto', open, 3, select);
    expect(report.attempts).toEqual([
      {
        runtime: 'webgpu',
        ok: false,
        error: "runtime 'webgpu' is unavailable: this browser has no navigator.gpu",
      },
      { runtime: 'webgl', ok: false, error: 'Failed to compile fragment shader' },
      { runtime: 'wasm', ok: true },
    ]);
    expect(report.backend).toBe('wasm');
    expect(report.device).toMatch(/^WebAssembly/);
    // One model per runtime that got as far as building it; the failed one is disposed.
    expect([built, disposed]).toEqual([2, 1]);
    model.dispose();
  });

  it('fails with every reason when nothing runs', async () => {
    const select: typeof selectRuntime = async (name) => {
      throw new RuntimeUnavailableError(name ?? 'auto', 'not here');
    };
    await expect(startRuntime('auto', async () => tf.sequential(), 1, select)).rejects.toThrow(
      /no TF.js runtime could run the model: webgpu: .*not here; webgl: .*; wasm: .*; cpu: .*not here/,
    );
  });
});
