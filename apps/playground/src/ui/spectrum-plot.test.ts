import { expect, it } from 'vitest';
import { spectrumSvg } from './spectrum-plot.js';

it('plots each series against wavelength, breaking the line at non-finite values, with a legend', () => {
  const svg = spectrumSvg(
    [
      { label: 'SR <x4>', color: '#00f', values: [1, 2, 3, 4] },
      { label: 'bicubic', color: '#f80', values: [1, Number.NaN, 3, 5], dash: '5 3' },
      { label: 'gap', color: '#0a0', values: [2, 2, Number.NaN, 2] },
    ],
    { wavelengths: [400, 500, 600, 700], units: 'Nanometers', title: 'pixel' },
  );
  const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) => m[1].split(' '));
  // SR whole; bicubic after its gap (the value before it is a dot); 'gap' before it, a dot after.
  expect(lines.map((l) => l.length)).toEqual([4, 2, 2]);
  expect([...svg.matchAll(/<circle /g)]).toHaveLength(2);
  expect(svg).toContain('wavelength (Nanometers)');
  expect(svg).toContain('SR &lt;x4&gt;');
  expect(svg).toContain('stroke-dasharray');
});

it('numbers the bands when there are no wavelengths', () => {
  expect(spectrumSvg([{ label: 'a', color: '#000', values: [5, 5, 5] }])).toContain('>band<');
});

it('shades masked bands, leaves their values out, and labels the y axis', () => {
  const svg = spectrumSvg([{ label: 'a', color: '#000', values: [-32768, 5, 6, 7, -32768] }], {
    wavelengths: [400, 500, 600, 700, 800],
    masked: [true, false, false, false, true],
    yLabel: 'reflectance x 10000',
  });
  expect([...svg.matchAll(/class="masked-band"/g)]).toHaveLength(2);
  const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) => m[1].split(' '));
  expect(lines.map((l) => l.length)).toEqual([3]);
  // The y range comes from the unmasked values alone (5..7): -32768 sets no tick.
  expect(svg).not.toContain('-32');
  expect(svg).toContain('reflectance x 10000');
});
