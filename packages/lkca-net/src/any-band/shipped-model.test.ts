import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expectNoLeak, seededValues, useBackend } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAnyBandModel } from './io-node.js';

const dir = fileURLToPath(new URL('../../assets/models/lkca-any-band-x4/', import.meta.url));

describe('shipped lkca-any-band-x4', () => {
  beforeAll(() => useBackend('cpu'));

  it('loads, and its metadata records held-out scores that beat bicubic on two unseen sensors', async () => {
    const meta = JSON.parse(await readFile(`${dir}metadata.json`, 'utf8'));
    expect(meta.bands).toBe('any');
    expect(meta.scale).toBe(4);
    const wins = ['samson', 'cave-balloons'].filter((id) => {
      const s = meta.heldOut[id];
      return s.model.mpsnr - s.bicubic.mpsnr >= 0.5 && s.model.sam < s.bicubic.sam;
    });
    expect(wins).toHaveLength(2);
    const model = await loadAnyBandModel(dir);
    expect(model.core.countParams()).toBe(meta.params);
    // Any band count, leak-free: 3 bands (fewer than a group) and 20.
    for (const bands of [3, 20]) {
      const data = seededValues(6 * 5 * bands, bands).map((v) => 0.3 + 0.1 * v);
      const out = await expectNoLeak(() =>
        model.predict({ rows: 6, cols: 5, bands, interleave: 'bip', data }),
      );
      expect([out.rows, out.cols, out.bands]).toEqual([24, 20, bands]);
      expect(out.data.every(Number.isFinite)).toBe(true);
    }
    model.dispose();
  });
});
