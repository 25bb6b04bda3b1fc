// An any-band model at another scale started from a trained one: every core weight but the
// upsampler's is the donor's, the upsampler keeps its seeded init, and the model runs at its scale.
import { fileURLToPath } from 'node:url';
import { seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnyBandSR } from './any-band-model.js';
import { loadAnyBandModel } from './io-node.js';
import { copyMatchingCoreWeights, rescaledAnyBandModel } from './rescale-init.js';

const X4 = fileURLToPath(new URL('../../assets/models/lkca-any-band-x4/', import.meta.url));

describe('rescaledAnyBandModel', () => {
  beforeAll(() => useBackend('wasm'));

  it('x4 -> x8: the core but the upsampler copied, the design kept, 8x output, no leak', async () => {
    const before = tf.memory().numTensors;
    const donor = await loadAnyBandModel(X4);
    const { model, copied, total } = rescaledAnyBandModel(donor, 8, { seed: 3 });
    expect(model.scale).toBe(8);
    expect(model.config).toMatchObject({
      groupSize: donor.config.groupSize,
      stride: donor.config.stride,
      residual: donor.config.residual,
      core: donor.config.core,
    });
    const byName = new Map(donor.core.weights.map((w) => [w.originalName, w]));
    const differ = model.core.weights.filter((w) => {
      const d = byName.get(w.originalName);
      return !d || d.shape.join() !== w.shape.join();
    });
    // Only the upsampler's weights (their width follows the scale) start fresh.
    expect(differ.length).toBeGreaterThan(0);
    expect(differ.every((w) => /up/i.test(w.originalName))).toBe(true);
    expect(copied).toBe(total - differ.length);
    for (const w of model.core.weights) {
      const d = byName.get(w.originalName);
      if (!d || d.shape.join() !== w.shape.join()) continue;
      const [a, b] = [w.read().dataSync(), d.read().dataSync()];
      expect(Array.from(a)).toEqual(Array.from(b));
    }
    // The same seed gives the same fresh upsampler: a rescaled start is reproducible.
    const again = rescaledAnyBandModel(donor, 8, { seed: 3 });
    expect(Array.from(again.model.core.weights.at(-1)!.read().dataSync())).toEqual(
      Array.from(model.core.weights.at(-1)!.read().dataSync()),
    );
    const bands = 12;
    const data = seededValues(5 * 4 * bands, 7).map((v) => 0.4 + 0.1 * v);
    const out = await model.predict({ rows: 5, cols: 4, bands, interleave: 'bip', data });
    expect([out.rows, out.cols, out.bands]).toEqual([40, 32, 12]);
    // copyMatchingCoreWeights between two fresh x2 models copies everything.
    const a = AnyBandSR.create({ scale: 2, seed: 1 });
    const b = AnyBandSR.create({ scale: 2, seed: 2 });
    expect(copyMatchingCoreWeights(a, b)).toBe(b.core.weights.length);
    for (const m of [donor, model, again.model, a, b]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
