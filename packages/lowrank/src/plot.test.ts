import * as tf from '@tensorflow/tfjs';
import { useBackend } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeLayer } from './analyze-layer.js';
import { plotSpectrumSvg } from './plot.js';
import reference from '../fixtures/svd-reference.json' with { type: 'json' };

/** Checks that every opened element is closed in order (enough to catch broken markup). */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]);
  }
  return stack.length === 0;
}

describe('plotSpectrumSvg', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('draws the spectrum, the energy curve, the threshold ranks and the knee', async () => {
    const c = reference.cases.conv2d;
    const layer = tf.layers.conv2d({ filters: 6, kernelSize: 3, name: 'up' });
    layer.apply(tf.input({ shape: [5, 5, 4] }));
    const k = tf.tensor(c.kernel, c.shape);
    layer.setWeights([k, tf.zeros([6])]);
    k.dispose();
    const a = await analyzeLayer(layer);
    const svg = plotSpectrumSvg(a);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(wellFormed(svg)).toBe(true);
    expect(plotSpectrumSvg(a, { title: 'a<b & c>' })).toContain('a&lt;b &amp; c&gt;');
    const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) => m[1].split(' '));
    expect(lines).toHaveLength(2); // spectrum and energy
    for (const pts of lines) expect(pts).toHaveLength(a.singularValues.length);
    // The energy curve ends at the top of the plot (energy 1); the spectrum starts there (s/s1 = 1).
    expect(lines[0][0].split(',')[1]).toBe(lines[1][lines[1].length - 1].split(',')[1]);
    for (const r of a.ranks) expect(svg).toContain(`${r.energy.toFixed(2)}: r=${r.rank}`);
    expect(svg).toContain(`knee ${a.knee}`);
    const two = plotSpectrumSvg([a, a], { title: 'two' });
    expect(wellFormed(two)).toBe(true);
    expect([...two.matchAll(/<polyline/g)]).toHaveLength(4);
    expect(() => plotSpectrumSvg([])).toThrow(RangeError);
  });
});
