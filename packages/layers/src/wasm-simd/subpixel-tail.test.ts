import v8 from 'node:v8';
import { maxAbsDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bicubicResize } from '../bicubic.js';
import { LayerConfigError } from '../errors.js';
import { groupedConv2d } from '../grouped-conv.js';
import { PixelShuffle, type ShuffleChannelOrder } from '../pixel-shuffle.js';
import { relaxedSimdSupported, resetSubPixelModules } from '../wasm-core/simd-module.js';
import { SubPixelTail } from './subpixel-tail.js';

interface Case {
  name: string;
  h: number;
  w: number;
  cin: number;
  bands: number;
  scale: number;
  k: 1 | 3;
  groups?: number;
  order?: ShuffleChannelOrder;
  bias?: boolean;
  skip?: boolean;
}

const cases: Case[] = [
  { name: '3x3, x4, sides a multiple of 4', h: 8, w: 12, cin: 16, bands: 8, scale: 4, k: 3 },
  { name: '3x3, x2, ragged sides', h: 13, w: 7, cin: 12, bands: 6, scale: 2, k: 3 },
  {
    name: '3x3, x3, PyTorch order, no bias',
    h: 9,
    w: 10,
    cin: 8,
    bands: 5,
    scale: 3,
    k: 3,
    order: 'pytorch',
    bias: false,
  },
  { name: '3x3, grouped (g=2), x4', h: 6, w: 9, cin: 8, bands: 4, scale: 4, k: 3, groups: 2 },
  {
    name: "1x1 (an svd upsampler's second factor), x4",
    h: 7,
    w: 11,
    cin: 16,
    bands: 8,
    scale: 4,
    k: 1,
  },
  {
    name: '1x1, PyTorch order, no skip',
    h: 5,
    w: 6,
    cin: 6,
    bands: 3,
    scale: 2,
    k: 1,
    order: 'pytorch',
    skip: false,
  },
  { name: '3x3, Cin not a multiple of 4, x2', h: 10, w: 10, cin: 7, bands: 2, scale: 2, k: 3 },
];

/** The same tail from TF.js ops on the cpu backend: conv, PixelShuffle, bicubic, add. */
function reference(
  c: Case,
  f: Float32Array,
  lr: Float32Array,
  kernel: Float32Array,
  bias: Float32Array | null,
) {
  return tf.tidy(() => {
    const groups = c.groups ?? 1;
    const cout = c.bands * c.scale * c.scale;
    const x = tf.tensor4d(f, [1, c.h, c.w, c.cin]);
    const k = tf.tensor4d(kernel, [c.k, c.k, c.cin / groups, cout]);
    const y = groupedConv2d(x, k, groups, bias ? tf.tensor1d(bias) : undefined);
    let out = new PixelShuffle({ scale: c.scale, channelOrder: c.order ?? 'tf' }).apply(
      y,
    ) as tf.Tensor;
    if (c.skip ?? true)
      out = tf.add(out, bicubicResize(tf.tensor4d(lr, [1, c.h, c.w, c.bands]), { scale: c.scale }));
    return out.dataSync() as Float32Array;
  });
}

// Node 20 has relaxed SIMD behind a V8 flag (on by default from Node 22): test both builds.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
resetSubPixelModules();
const builds: ('simd' | 'relaxed')[] = ['simd', 'relaxed'];
// An engine without relaxed SIMD cannot run the FMA build: its cases are skipped, and said so
// (a warning and a skipped test each), never dropped silently (issue 19).
const relaxedMissing = relaxedSimdSupported()
  ? null
  : `this engine (Node ${process.versions.node}, V8 ${process.versions.v8}) has no WebAssembly relaxed SIMD`;
// CI's Node has it (behind the flag above): there a missing engine feature is a failure.
if (relaxedMissing && (process.env.CI || process.env.HSRKIT_REQUIRE_WASM_CHECK === '1'))
  throw new Error(`subpixel-tail.test.ts: relaxed SIMD is required here: ${relaxedMissing}`);
if (relaxedMissing)
  console.warn(`subpixel-tail.test.ts: SKIPPING the relaxed-SIMD (FMA) build: ${relaxedMissing}`);

describe('SubPixelTail: conv + PixelShuffle + bicubic skip in one WebAssembly SIMD pass', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  for (const build of builds)
    for (const c of cases)
      (build === 'relaxed' && relaxedMissing ? it.skip : it)(
        `equals the TF.js layers (${build}): ${c.name}${build === 'relaxed' && relaxedMissing ? ` (SKIPPED: ${relaxedMissing})` : ''}`,
        async () => {
          const groups = c.groups ?? 1;
          const cout = c.bands * c.scale * c.scale;
          const kernel = Float32Array.from(
            seededValues(c.k * c.k * (c.cin / groups) * cout, 3),
            (v) => v * 0.3,
          );
          const bias = c.bias === false ? null : Float32Array.from(seededValues(cout, 5));
          const f = Float32Array.from(seededValues(c.h * c.w * c.cin, 7));
          const lr = Float32Array.from(seededValues(c.h * c.w * c.bands, 11));
          const tail = await SubPixelTail.create(
            {
              kernel,
              kernelShape: [c.k, c.k, c.cin / groups, cout],
              bias,
              groups,
              scale: c.scale,
              channelOrder: c.order,
              bicubicSkip: c.skip,
            },
            { relaxedSimd: build === 'relaxed' },
          );
          expect(tail.simd).toBe(build);
          const want = reference(c, f, lr, kernel, bias);
          const got = tail.run(f, c.h, c.w, c.skip === false ? null : lr);
          expect(got.length).toBe(c.h * c.scale * c.w * c.scale * c.bands);
          const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          // Winograd sums in another order: float32 rounding only.
          expect(maxAbsDiff(got, want) / scale).toBeLessThan(2e-5);
          // A second run (reused memory) and a view give the same numbers.
          const view = tail.run(f, c.h, c.w, c.skip === false ? null : lr, { view: true });
          expect(maxAbsDiff(view, got)).toBe(0);
          tail.dispose();
        },
      );

  it('runs tiles of other sizes with one instance', async () => {
    const c: Case = { name: '', h: 0, w: 0, cin: 8, bands: 4, scale: 2, k: 3 };
    const cout = 16;
    const kernel = Float32Array.from(seededValues(9 * 8 * cout, 13), (v) => v * 0.3);
    const tail = await SubPixelTail.create({ kernel, kernelShape: [3, 3, 8, cout], scale: 2 });
    for (const [h, w] of [
      [4, 4],
      [9, 3],
      [2, 17],
    ]) {
      const f = Float32Array.from(seededValues(h * w * 8, h + w));
      const lr = Float32Array.from(seededValues(h * w * 4, h * w));
      const want = reference({ ...c, h, w }, f, lr, kernel, null);
      expect(maxAbsDiff(tail.run(f, h, w, lr), want)).toBeLessThan(1e-4);
    }
  });

  for (const k of [3, 1] as const)
    it(`computes only the rows asked for (${k}x${k}), the same as a whole run there`, async () => {
      const [h, w, cin, bands, s] = [17, 10, 8, 4, 3];
      const cout = bands * s * s;
      const kernel = Float32Array.from(seededValues(k * k * cin * cout, 17), (v) => v * 0.3);
      const tail = await SubPixelTail.create({ kernel, kernelShape: [k, k, cin, cout], scale: s });
      const f = Float32Array.from(seededValues(h * w * cin, 19));
      const lr = Float32Array.from(seededValues(h * w * bands, 23));
      const whole = tail.run(f, h, w, lr);
      const rowLen = w * s * s * bands; // one LR row's worth of HR samples
      for (const [r0, r1] of [
        [0, 5],
        [3, 9],
        [6, 17],
        [16, 17],
      ]) {
        const part = tail.run(f, h, w, lr, { rows: [r0, r1] });
        const a = part.subarray(r0 * rowLen, r1 * rowLen);
        const b = whole.subarray(r0 * rowLen, r1 * rowLen);
        expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
        // The rest is zeros (not the previous run's values).
        expect(part.subarray(0, r0 * rowLen).every((v) => v === 0)).toBe(true);
        expect(part.subarray(r1 * rowLen).every((v) => v === 0)).toBe(true);
      }
      expect(() => tail.run(f, h, w, lr, { rows: [5, 5] })).toThrow(/rows/);
      expect(() => tail.run(f, h, w, lr, { rows: [0, 18] })).toThrow(/rows/);
    });

  it('rejects bad specs and inputs with a typed error naming the field', async () => {
    const kernel = new Float32Array(9 * 4 * 16);
    const spec = {
      kernel,
      kernelShape: [3, 3, 4, 16] as [number, number, number, number],
      scale: 2,
    };
    const fails = async (s: object, field: RegExp) => {
      const e = await SubPixelTail.create({ ...spec, ...s }).catch((err) => err);
      expect(e).toBeInstanceOf(LayerConfigError);
      expect(String(e.message)).toMatch(field);
    };
    await fails({ kernelShape: [5, 5, 4, 16] }, /kernelShape/);
    await fails({ kernel: new Float32Array(10) }, /kernel.*576/);
    await fails({ groups: 3 }, /groups/);
    await fails({ groups: 4 }, /multiple of 8/);
    await fails({ scale: 3 }, /scale/);
    await fails({ bias: new Float32Array(3) }, /bias/);
    await fails({ channelOrder: 'nchw' }, /channelOrder/);
    const tail = await SubPixelTail.create(spec);
    expect(() => tail.run(new Float32Array(10), 2, 2, new Float32Array(16))).toThrow(
      /features.*2x2x4/,
    );
    expect(() => tail.run(new Float32Array(16), 2, 2)).toThrow(/lr.*2x2x4/);
    expect(() => tail.run(new Float32Array(16), 2, 2.5, new Float32Array(16))).toThrow(
      /height\/width/,
    );
    tail.dispose();
    expect(() => tail.run(new Float32Array(16), 2, 2, new Float32Array(16))).toThrow(/dispose/);
  });
});
