import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cropCube, readCube, toInterleave, writeCube } from '@hsrkit/hsi-data/node';
import { loadModel, upscaleFileWithModel } from '@hsrkit/inference/node';
import { maxAbsDiff, useBackend, useTempDir } from '@hsrkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAnyBandModel } from './any-band/io-node.js';
import { lkca } from './cli/test-support.js';
import { DEMO_HOLD_OUT, readDemoScene } from './demo-scene.js';
import { evaluateScene } from './evaluate.js';
import {
  heldOutMean,
  listShippedModels,
  ModelNotFoundError,
  resolveModel,
  SHIPPED_MODELS_DIR,
} from './shipped-models.js';

/** Largest |a - b| over the peak |b|: float32 rounding apart is ~1e-7. */
function diffToPeak(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let peak = 0;
  for (let k = 0; k < b.length; k++) peak = Math.max(peak, Math.abs(b[k]));
  return maxAbsDiff(a, b) / peak;
}

describe('shipped models', () => {
  const tmp = useTempDir('lkca-models-');
  beforeAll(() => useBackend('cpu'));

  it('lists every folder of assets/models with the params TF.js counts when it loads it', async () => {
    const models = listShippedModels();
    expect(models.map((m) => m.name)).toContain('lkca-distilled-alpha0.1-x4');
    for (const m of models.filter((x) => x.kind === 'band-specific')) {
      const model = await loadModel(m.path);
      // Independent count: the loaded model's own trainable + non-trainable weights.
      expect(m.params).toBe(model.countParams());
      expect(m.bands).toBe(model.inputs[0].shape[3]);
      expect(m.scale).toBe(4);
      model.dispose();
    }
    const demo = models.find((m) => m.name === 'lkca-distilled-alpha0.1-x4')!;
    expect(demo.heldOut?.mpsnr).toBeGreaterThan(30);
    expect(demo.trainedOn).toMatch(/1200 steps, distilled from lkca_teacher/);
  });

  it('held-out scores in one form: means over scenes, bicubic only where every scene has it', () => {
    const perScene = {
      'a mpsnr': 40,
      'a mpsnr bicubic': 39,
      'a sam': 2,
      'a sam bicubic': 2.5,
      'b mpsnr': 30,
      'b mpsnr bicubic': 28,
      'b sam': 4,
    };
    expect(heldOutMean(perScene)).toEqual({
      scenes: ['a', 'b'],
      mpsnr: 35,
      sam: 3,
      bicubicMpsnr: 33.5,
    });
    expect(heldOutMean({ mpsnr: 41, sam: 1.5, bicubicSam: 1.7 }, 'left half')).toEqual({
      scenes: [],
      on: 'left half',
      mpsnr: 41,
      sam: 1.5,
      bicubicSam: 1.7,
    });
    expect(heldOutMean({ rmse: 0.1 })).toBeNull();
    expect(heldOutMean(null)).toBeNull();
  });

  it('every shipped x4 model of the demo scene is scored beside bicubic on the demo quadrant, as evaluateScene scores it', async () => {
    const scene = await readDemoScene();
    const gt = cropCube('demo', scene, DEMO_HOLD_OUT);
    const bandSpecific = listShippedModels().filter((m) => m.kind === 'band-specific');
    expect(bandSpecific.length).toBeGreaterThan(0);
    for (const m of bandSpecific) {
      expect(m.heldOutMean?.on, m.name).toMatch(/demo quadrant/);
      expect(m.heldOutMean?.bicubicMpsnr, m.name).toBeCloseTo(42.584, 3);
    }
    // The recorded numbers are the ones this model gives now (one pass; recorded on wasm, here cpu).
    const student = bandSpecific.find((m) => m.name === 'lkca-student-x4')!;
    const model = await loadModel(student.path);
    try {
      const ev = await evaluateScene(model, gt, { scale: 4 });
      expect(Math.abs(ev.metrics.mpsnr - student.heldOutMean!.mpsnr)).toBeLessThan(0.01);
      expect(Math.abs(ev.metrics.sam - student.heldOutMean!.sam)).toBeLessThan(0.01);
      expect(Math.abs(ev.bicubicMetrics.sam - student.heldOutMean!.bicubicSam!)).toBeLessThan(1e-3);
    } finally {
      model.dispose();
    }
    // `lkca models` prints the gain over bicubic beside each score.
    const text = (await lkca('models')).stdout;
    const gain = student.heldOutMean!.mpsnr - student.heldOutMean!.bicubicMpsnr!;
    expect(text).toMatch(new RegExp(`lkca-student-x4 .* \\+${gain.toFixed(2)} dB`));
    expect(text).toContain('vs bicubic');
  });

  it('resolves a name to its folder; an existing path wins; an unknown name lists the names', async () => {
    expect(resolveModel('lkca-student-x4').path).toBe(join(SHIPPED_MODELS_DIR, 'lkca-student-x4'));
    // A user's folder named like a shipped model is theirs, not ours.
    const own = join(tmp(), 'lkca-student-x4');
    await cp(join(SHIPPED_MODELS_DIR, 'lkca-teacher-x4'), own, { recursive: true });
    expect(resolveModel(own).path).toBe(own);
    expect(resolveModel(join(own, 'model.json')).params).toBe(resolveModel(own).params);
    expect(() => resolveModel('no-such-model')).toThrow(ModelNotFoundError);
    expect(() => resolveModel('no-such-model')).toThrow(/shipped: .*lkca-teacher-x4/);
    expect(() => resolveModel(tmp())).toThrow(/no model\.json/);
  });

  it("describes an any-band folder as bands 'any' with its recorded held-out scores", async () => {
    const dir = join(tmp(), 'models');
    const folder = join(dir, 'any');
    await cp(join(SHIPPED_MODELS_DIR, 'lkca-student-x4'), folder, { recursive: true });
    await writeFile(
      join(folder, 'any-band.json'),
      JSON.stringify({
        format: 'hsrkit-any-band/1',
        name: 'any-x4',
        scale: 4,
        training: { data: 'ten crops', heldOut: { mpsnr: 40.5, sam: 2.25, note: 'x' } },
      }),
    );
    const [m] = listShippedModels(dir);
    expect(m).toMatchObject({ name: 'any-x4', kind: 'any-band', bands: 'any', scale: 4 });
    expect(m.trainedOn).toBe('ten crops');
    expect(m.heldOut).toEqual({ mpsnr: 40.5, sam: 2.25 });
  });

  it('`lkca models --json` prints the same list, without local paths', async () => {
    const r = await lkca('models', '--json');
    expect(r.code).toBe(0);
    const expected = listShippedModels().map(({ path: _p, stages, ...m }) =>
      stages ? { ...m, stages: stages.map((x) => x.name) } : m,
    );
    expect(r.json).toEqual(expected);
    const text = await lkca('models');
    for (const m of expected) expect(text.stdout).toContain(m.name);
  });

  it('`lkca upscale --model NAME` gives the bytes `--model FOLDER` gives', async () => {
    const lr = join(tmp(), 'lr.npy');
    const scene = await readDemoScene();
    await writeCube(lr, cropCube('balloons', scene, { row: 200, col: 200, rows: 12, cols: 10 }));
    const byName = join(tmp(), 'by-name.npy');
    const byFolder = join(tmp(), 'by-folder.npy');
    const args = ['--backend', 'cpu', '--workers', '1'];
    expect(
      (await lkca('upscale', lr, '-o', byName, '--model', 'lkca-student-x4', ...args)).code,
    ).toBe(0);
    const folder = join(SHIPPED_MODELS_DIR, 'lkca-student-x4');
    expect((await lkca('upscale', lr, '-o', byFolder, '--model', folder, ...args)).code).toBe(0);
    expect(Buffer.compare(await readFile(byName), await readFile(byFolder))).toBe(0);
    const bad = await lkca('upscale', lr, '-o', join(tmp(), 'x.npy'), '--model', 'nope', ...args);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ModelNotFoundError: 'nope' is neither/);
    await useBackend('cpu');
  });

  it('`lkca upscale --model lkca-any-band-x4` runs the any-band model: same numbers as its API, map info scaled', async () => {
    // A real 156-band Samson crop with map info, a band count no band-specific model here takes.
    const input = fileURLToPath(
      new URL('../../inference/fixtures/samson_crop.hdr', import.meta.url),
    );
    const out = join(tmp(), 'any.hdr');
    const anyBand = 'lkca-any-band-x4';
    // wasm (the CLI's default runtime), several times faster than cpu for 156 bands.
    await useBackend('wasm');
    const r = await lkca('upscale', input, '-o', out, '--model', anyBand, '--backend', 'wasm');
    expect(r.code).toBe(0);
    // One 96-sample tile: --workers auto keeps it in this thread (threads would not pay).
    expect(r.stderr).toMatch(/workers: 1 for 1 tile pass \(too few/);
    const got = await readCube(out);
    const model = await loadAnyBandModel(join(SHIPPED_MODELS_DIR, 'lkca-any-band-x4'));
    const want = await model.predict(await readCube(input));
    model.dispose();
    expect([got.rows, got.cols, got.bands]).toEqual([want.rows, want.cols, 156]);
    // The file path blends tiles in float32 (relaxed-SIMD FMA where the CPU has it).
    expect(diffToPeak(toInterleave(got, 'bip').data, toInterleave(want, 'bip').data)).toBeLessThan(
      1e-6,
    );
    // x4: same upper-left corner (reference pixel 1,1 at 612730.910, 4074488.708), pixel 1/4.
    expect(got.mapInfo).toMatch(/^UTM, 1(\.0+)?, 1(\.0+)?, 612730\.91/);
    expect(got.mapInfo).toMatch(/2\.5+e-01, 2\.5+e-01|0\.25, 0\.25/);
    await useBackend('cpu');
  }, 300000);

  it('`lkca upscale --self-ensemble` averages the model over 8 rotations and flips: any-band (its API) and band-specific (tile by tile, upscaleFileWithModel), not the plain pass', async () => {
    // A real 31-band crop of the demo scene.
    const input = join(tmp(), 'crop.hdr');
    await writeCube(
      input,
      cropCube('c', await readDemoScene(), { row: 40, col: 60, rows: 12, cols: 16 }),
    );
    const out = join(tmp(), 'se.hdr');
    await useBackend('wasm');
    const r = await lkca(
      'upscale',
      input,
      '-o',
      out,
      '--model',
      'lkca-any-band-x4',
      '--self-ensemble',
      '--backend',
      'wasm',
    );
    expect(r.code, r.stderr).toBe(0);
    const got = toInterleave(await readCube(out), 'bip').data;
    const model = await loadAnyBandModel(join(SHIPPED_MODELS_DIR, 'lkca-any-band-x4'));
    const lr = await readCube(input);
    const want = toInterleave(await model.predict(lr, { selfEnsemble: true }), 'bip').data;
    const plain = toInterleave(await model.predict(lr), 'bip').data;
    model.dispose();
    expect(diffToPeak(got, want)).toBeLessThan(1e-6);
    expect(diffToPeak(got, plain)).toBeGreaterThan(1e-4);
    // A band-specific model streams tile by tile; each tile runs under the 8 transforms.
    const bs = join(tmp(), 'bs.hdr');
    const cli = await lkca(
      'upscale',
      input,
      '-o',
      bs,
      '--model',
      'lkca-student-x4',
      '--self-ensemble',
      '--backend',
      'wasm',
      '--workers',
      '1',
    );
    expect(cli.code, cli.stderr).toBe(0);
    const api = join(tmp(), 'bs-api.hdr');
    await upscaleFileWithModel(input, api, {
      modelPath: join(SHIPPED_MODELS_DIR, 'lkca-student-x4'),
      runtime: 'wasm',
      selfEnsemble: true,
    });
    const plainBs = join(tmp(), 'bs-plain.hdr');
    expect((await lkca('upscale', input, '-o', plainBs, '--model', 'lkca-student-x4')).code).toBe(
      0,
    );
    const bsGot = toInterleave(await readCube(bs), 'bip').data;
    expect(maxAbsDiff(bsGot, toInterleave(await readCube(api), 'bip').data)).toBeLessThan(1e-3);
    expect(maxAbsDiff(bsGot, toInterleave(await readCube(plainBs), 'bip').data)).toBeGreaterThan(1);
  }, 300000);
});
