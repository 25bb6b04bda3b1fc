import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expectNoLeak, seededValues, useBackend } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDemoScene } from '../demo-scene.js';
import { loadAnyBandModel } from './io-node.js';
import { prepareAnyBandScene } from './patch-sampler.js';
import { scoreAnyBandScene } from './validation.js';

describe.each([4, 2])('shipped lkca-any-band-x%i', (scale) => {
  const dir = fileURLToPath(
    new URL(`../../assets/models/lkca-any-band-x${scale}/`, import.meta.url),
  );
  beforeAll(() => useBackend('wasm'));

  it('loads, and its metadata records held-out scores that beat bicubic on two unseen sensors', async () => {
    const meta = JSON.parse(await readFile(`${dir}metadata.json`, 'utf8'));
    expect(meta.bands).toBe('any');
    expect(meta.scale).toBe(scale);
    const wins = ['samson', 'cave-balloons'].filter((id) => {
      const s = meta.heldOut[id];
      return s.model.mpsnr - s.bicubic.mpsnr >= 0.5 && s.model.sam < s.bicubic.sam;
    });
    expect(wins).toHaveLength(2);
    const model = await loadAnyBandModel(dir);
    expect(model.scale).toBe(scale);
    expect(model.core.countParams()).toBe(meta.params);
    // Any band count, leak-free: 3 bands (fewer than a group) and 20.
    for (const bands of [3, 20]) {
      const data = seededValues(6 * 5 * bands, bands).map((v) => 0.3 + 0.1 * v);
      const out = await expectNoLeak(() =>
        model.predict({ rows: 6, cols: 5, bands, interleave: 'bip', data }),
      );
      expect([out.rows, out.cols, out.bands]).toEqual([6 * scale, 5 * scale, bands]);
      expect(out.data.every(Number.isFinite)).toBe(true);
    }
    model.dispose();
  });

  it('gives on the shipped CAVE scene (a sensor it never saw) the held-out scores recorded with it', async () => {
    const meta = JSON.parse(await readFile(`${dir}metadata.json`, 'utf8'));
    const recorded = meta.heldOut['cave-balloons'];
    const model = await loadAnyBandModel(dir);
    const s = await scoreAnyBandScene(
      model,
      prepareAnyBandScene('balloons', 'CAVE', await readDemoScene(), scale),
    );
    model.dispose();
    expect(s.mpsnr).toBeCloseTo(recorded.model.mpsnr, 2);
    expect(s.sam).toBeCloseTo(recorded.model.sam, 2);
    expect(s.bicubicMpsnr).toBeCloseTo(recorded.bicubic.mpsnr, 2);
    expect(s.mpsnr).toBeGreaterThan(s.bicubicMpsnr + 0.5);
    expect(s.sam).toBeLessThan(s.bicubicSam);
  });
});
