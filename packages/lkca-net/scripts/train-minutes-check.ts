// The user's path on a small scene of a sensor the shipped models never saw, all through the CLI:
//   lkca train --data top.hdr --scale 4 --minutes M -o model      (defaults: fine-tunes lkca-any-band-x4)
//   lkca degrade bottom.hdr --scale 4 -o bottom_lr.hdr
//   lkca upscale bottom_lr.hdr --model model -o sr.hdr
//   lkca metrics bottom.hdr sr.hdr --scale 4                        (beside bicubic of the same LR)
// The scene: SAMSON (95 x 95 x 156, held out from the any-band training: scripts/any-band-scenes.ts)
// averaged into 48 bands of about 10 nm (a 48-band airborne imager such as CASI), cut into a top
// part to train on and a bottom part never trained on. The same is run with the shipped model
// untouched (zero-shot) and with `--arch lkca` (the paper's band-specific LKCA-Net from scratch,
// same budget), with and without the spectral loss terms. Usage:
//   HSRKIT_DATA=<folder with hsi/> npx tsx --conditions=source packages/lkca-net/scripts/train-minutes-check.ts [--minutes 8]
// Writes bench/results/train-minutes.md and .json.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  bicubicUpsample,
  type Cube,
  cropCube,
  cubeToBip,
  readCube,
  writeCube,
} from '@hsrkit/hsi-data/node';
import { runCli } from '../src/cli/main.js';
import { dataRoot } from './any-band-scenes.js';

const { values: args } = parseArgs({
  options: { minutes: { type: 'string', default: '8' }, keep: { type: 'boolean', default: false } },
});
const minutes = Number(args.minutes);
const root = fileURLToPath(new URL('..', import.meta.url));
const repo = resolve(root, '../..');
const SCALE = 4;
const BANDS = 48;
const TRAIN_ROWS = 60;

/** Averages the cube's bands into `n` contiguous windows (wavelengths averaged too). */
function binBands(cube: Cube, n: number): Cube {
  const bip = cubeToBip(cube);
  const B = bip.bands;
  const out = new Float32Array(bip.rows * bip.cols * n);
  const wl: number[] = [];
  for (let k = 0; k < n; k++) {
    const a = Math.floor((k * B) / n);
    const b = Math.floor(((k + 1) * B) / n);
    if (cube.wavelengths)
      wl.push(cube.wavelengths.slice(a, b).reduce((x, y) => x + y, 0) / (b - a));
    for (let p = 0; p < bip.rows * bip.cols; p++) {
      let s = 0;
      for (let j = a; j < b; j++) s += bip.data[p * B + j];
      out[p * n + k] = s / (b - a);
    }
  }
  return {
    rows: bip.rows,
    cols: bip.cols,
    bands: n,
    interleave: 'bip',
    data: out,
    wavelengths: cube.wavelengths ? wl : undefined,
    wavelengthUnits: cube.wavelengthUnits,
  };
}

/** Runs `lkca ...` in this process with --json; returns the parsed result (throws on failure). */
async function lkca(...argv: string[]): Promise<any> {
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  (process.stdout as { write: unknown }).write = (s: string | Uint8Array) => {
    out += String(s);
    return true;
  };
  let code: number;
  try {
    code = await runCli([...argv, '--json']);
  } finally {
    (process.stdout as { write: unknown }).write = write;
  }
  if (code !== 0) throw new Error(`lkca ${argv.join(' ')} exited ${code}`);
  return JSON.parse(out);
}

const dir = await mkdtemp(join(tmpdir(), 'lkca-minutes-'));
const started = new Date().toISOString();
const load0 = loadavg()[0];
try {
  const samson = await readCube(
    resolve(dataRoot(repo), 'hsi/pekalam-hyperspectral-segmentation/samson_1.img'),
  );
  const scene = binBands(samson, BANDS);
  const cols = scene.cols - (scene.cols % SCALE);
  const testRows = scene.rows - TRAIN_ROWS - ((scene.rows - TRAIN_ROWS) % SCALE);
  const top = cropCube('samson48', scene, { row: 0, col: 0, rows: TRAIN_ROWS, cols });
  const bottom = cropCube('samson48', scene, {
    row: scene.rows - testRows,
    col: 0,
    rows: testRows,
    cols,
  });
  const topFile = join(dir, 'top.hdr');
  const bottomFile = join(dir, 'bottom.hdr');
  await writeCube(topFile, top);
  await writeCube(bottomFile, bottom);
  const lrFile = join(dir, 'bottom_lr.hdr');
  await lkca('degrade', bottomFile, '--scale', String(SCALE), '-o', lrFile);
  // Bicubic x4 of the same LR file, in the file's units: the baseline.
  const lr = cubeToBip(await readCube(lrFile));
  const bic = tf.tidy(() =>
    bicubicUpsample(tf.tensor3d(Float32Array.from(lr.data), [lr.rows, lr.cols, lr.bands]), SCALE),
  );
  const bicFile = join(dir, 'bicubic.hdr');
  await writeCube(bicFile, {
    ...bottom,
    interleave: 'bip',
    data: new Float32Array(await bic.data()),
  });
  bic.dispose();
  const score = (file: string) =>
    lkca('metrics', bottomFile, file, '--scale', String(SCALE)) as Promise<Record<string, number>>;
  const bicubic = await score(bicFile);

  const runs: Record<string, unknown>[] = [];
  const upscaleAndScore = async (name: string, model: string, train: unknown) => {
    const sr = join(dir, `sr-${name}.hdr`);
    await lkca('upscale', lrFile, '--model', model, '-o', sr);
    const m = await score(sr);
    runs.push({
      name,
      train,
      metrics: m,
      gainDb: m.mpsnr - bicubic.mpsnr,
      samDelta: m.sam - bicubic.sam,
    });
    console.log(
      `${name}: ${m.mpsnr.toFixed(3)} dB (bicubic ${bicubic.mpsnr.toFixed(3)}), SAM ${m.sam.toFixed(3)} (bicubic ${bicubic.sam.toFixed(3)})`,
    );
  };
  await upscaleAndScore('shipped lkca-any-band-x4, no training', 'lkca-any-band-x4', null);
  const tuned = join(dir, 'tuned');
  const t = await lkca(
    'train',
    '--data',
    topFile,
    '--scale',
    String(SCALE),
    '--minutes',
    String(minutes),
    '-o',
    tuned,
  );
  await upscaleAndScore(`lkca train --minutes ${minutes} (default: any-band fine-tune)`, tuned, t);
  // The defaults before this measurement: no validation strip (last weights kept), peak LR 3e-4.
  const noVal = join(dir, 'tuned-no-validation');
  const nv = await lkca(
    'train',
    '--data',
    topFile,
    '--scale',
    String(SCALE),
    '--minutes',
    String(minutes),
    '--hold-out-cols',
    '0',
    '--lr',
    '3e-4',
    '-o',
    noVal,
  );
  await upscaleAndScore(`lkca train --minutes ${minutes} --hold-out-cols 0 --lr 3e-4`, noVal, nv);
  const scratch = join(dir, 'lkca');
  const l = await lkca(
    'train',
    '--data',
    topFile,
    '--scale',
    String(SCALE),
    '--minutes',
    String(minutes),
    '--arch',
    'lkca',
    '--upsampler',
    'conv',
    '-o',
    scratch,
  );
  await upscaleAndScore(`lkca train --minutes ${minutes} --arch lkca --upsampler conv`, scratch, l);
  // The same without the spectral terms (L1 only): what they do for the band-specific net.
  const plain = join(dir, 'lkca-l1');
  const p = await lkca(
    'train',
    '--data',
    topFile,
    '--scale',
    String(SCALE),
    '--minutes',
    String(minutes),
    '--arch',
    'lkca',
    '--upsampler',
    'conv',
    '--sam',
    '0',
    '--spectral-gradient',
    '0',
    '-o',
    plain,
  );
  await upscaleAndScore(
    `lkca train --minutes ${minutes} --arch lkca --upsampler conv --sam 0 --spectral-gradient 0`,
    plain,
    p,
  );

  const record = {
    scene: `SAMSON averaged to ${BANDS} bands; train ${TRAIN_ROWS} x ${cols}, test ${testRows} x ${cols} (bottom rows)`,
    minutes,
    bicubic,
    runs,
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, load average ${load0.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`,
    started,
    finished: new Date().toISOString(),
  };
  await writeFile(
    join(root, 'bench/results/train-minutes.json'),
    `${JSON.stringify(record, null, 2)}\n`,
  );
  const f = (x: number, d = 3) => x.toFixed(d);
  const rows = runs.map((r) => {
    const m = r.metrics as Record<string, number>;
    const tr = r.train as {
      steps?: number;
      minutes?: number;
      patch?: number;
      batch?: number;
      bestStep?: number | null;
      holdOutCols?: number;
    } | null;
    return `| ${r.name} | ${tr ? `${tr.steps} steps, patch ${tr.patch}, batch ${tr.batch}${tr.holdOutCols ? `, ${tr.holdOutCols} columns validate, kept step ${tr.bestStep}` : ''}` : '-'} | ${f(m.mpsnr)} | ${f(m.mpsnr - bicubic.mpsnr, 2)} | ${f(m.sam)} | ${f(m.mssim, 4)} | ${f(m.ergas)} |`;
  });
  const md = `# \`lkca train --minutes ${minutes}\` on a small scene of an unseen sensor

Generated by \`packages/lkca-net/scripts/train-minutes-check.ts\` (all through the CLI: train, degrade,
upscale, metrics). Scene: ${record.scene}; SAMSON is not in the any-band model's training set. The test
rows are never trained on; LR = \`lkca degrade\` (MATLAB bicubic x1/4); metrics: \`lkca metrics\`
(sspsr preset, data range = the ground truth's peak). ${record.machine}; ${started}.

| run | training | MPSNR | gain dB | SAM | MSSIM | ERGAS |
|---|---|---:|---:|---:|---:|---:|
| bicubic | - | ${f(bicubic.mpsnr)} | 0.00 | ${f(bicubic.sam)} | ${f(bicubic.mssim, 4)} | ${f(bicubic.ergas)} |
${rows.join('\n')}
`;
  await writeFile(join(root, 'bench/results/train-minutes.md'), md);
  console.log(md);
} finally {
  if (!args.keep) await rm(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
