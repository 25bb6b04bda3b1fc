import { expect, it } from 'vitest';
import { spectrumSvg } from './spectrum-plot.js';

it('plots each series against wavelength, skipping non-finite values, with a legend', () => {
  const svg = spectrumSvg(
    [
      { label: 'SR <x4>', color: '#00f', values: [1, 2, 3, 4] },
      { label: 'bicubic', color: '#f80', values: [1, Number.NaN, 3, 5], dash: '5 3' },
    ],
    { wavelengths: [400, 500, 600, 700], units: 'Nanometers', title: 'pixel' },
  );
  const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) => m[1].split(' '));
  expect(lines.map((l) => l.length)).toEqual([4, 3]);
  expect(svg).toContain('wavelength (Nanometers)');
  expect(svg).toContain('SR &lt;x4&gt;');
  expect(svg).toContain('stroke-dasharray');
});

it('numbers the bands when there are no wavelengths', () => {
  expect(spectrumSvg([{ label: 'a', color: '#000', values: [5, 5, 5] }])).toContain('>band<');
});
