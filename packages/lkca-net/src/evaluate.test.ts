import {
  type Cube,
  dihedralInverse,
  dihedralTransform,
  downsampleCube,
  toBipCube,
} from '@hsrkit/hsi-data';
import { useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { evaluateScene } from './evaluate.js';
import { lkcaNet } from './model.js';
import { withSeededInit } from './seeded-init.js';

function ramp(rows: number, cols: number, bands: number): Float32Array {
  const x = new Float32Array(rows * cols * bands);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) + (i % 7) * 0.1;
  return x;
}

describe('evaluateScene', () => {
  it('evaluateScene({ selfEnsemble }) on a band-specific model: the mean of its 8 transformed predictions', async () => {
    await useBackend('wasm');
    const model = withSeededInit(4, () =>
      lkcaNet({ bands: 6, scale: 2, channels: 8, blocks: 1, reduction: 4, upsamplerGroups: 2 }),
    );
    const [rows, cols, bands] = [12, 16, 6];
    const hr: Cube = {
      rows,
      cols,
      bands,
      interleave: 'bip',
      dataType: 'float32',
      data: ramp(rows, cols, bands).map((v) => v + 2),
    } as Cube;
    const before = tf.memory().numTensors;
    const ev = await evaluateScene(model, hr, { scale: 2, selfEnsemble: true, tile: 64 });
    // Reference: the whole LR through model.predict under each transform, undone, averaged.
    const lr = toBipCube(downsampleCube(hr, 2));
    const want = tf.tidy(() => {
      const x = tf.tensor3d(lr.data as Float32Array, [lr.rows, lr.cols, bands]);
      let sum = tf.zeros([rows, cols, bands]) as tf.Tensor3D;
      for (let k = 0; k < 8; k++) {
        const y = model.predict(dihedralTransform(x, k).expandDims(0)) as tf.Tensor4D;
        sum = sum.add(dihedralTransform(y.squeeze([0]) as tf.Tensor3D, dihedralInverse(k)));
      }
      return sum.div(8);
    });
    const ref = (await want.data()) as Float32Array;
    want.dispose();
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - ev.sr.data[i]));
    expect(worst).toBeLessThan(1e-4);
    // Not the plain pass.
    const plain = await evaluateScene(model, hr, { scale: 2, tile: 64 });
    let moved = 0;
    for (let i = 0; i < ref.length; i++)
      moved = Math.max(moved, Math.abs(plain.sr.data[i] - ev.sr.data[i]));
    expect(moved).toBeGreaterThan(1e-4);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before - model.weights.length);
    await useBackend('cpu');
  });
});
