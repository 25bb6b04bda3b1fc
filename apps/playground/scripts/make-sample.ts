// Writes the playground's embedded sample from the repository's real data: the held-out quadrant of
// CAVE balloons that the shipped LKCA-Net weights never saw in training (see
// packages/lkca-net/assets/scene/SOURCES.md). LR = MATLAB bicubic x1/4 of it, the input `lkca demo`
// super-resolves; HR = the quadrant itself, for the metrics.
// Run: npm run sample -w apps/playground
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cropCube, downsampleCube, toBipCube, writeCube } from '@hsrkit/hsi-data/node';
import { DEMO_HOLD_OUT, DEMO_SCALE, DEMO_SCENE_PATH, readDemoScene } from '@hsrkit/lkca-net/node';

const out = fileURLToPath(new URL('../public/sample/', import.meta.url));
await mkdir(out, { recursive: true });
const scene = await readDemoScene();
const hr = cropCube(DEMO_SCENE_PATH, scene, DEMO_HOLD_OUT);
const lr = downsampleCube(toBipCube(hr), DEMO_SCALE);
const description = `CAVE balloons, rows ${DEMO_HOLD_OUT.row}.., cols ${DEMO_HOLD_OUT.col}.. (held out of training)`;
console.log(
  await writeCube(`${out}balloons-lr-x4.hdr`, lr, {
    interleave: 'bip',
    sampleType: 'float32',
    description: `${description}, MATLAB bicubic x1/${DEMO_SCALE}`,
  }),
);
console.log(await writeCube(`${out}balloons-hr.mat`, hr, { variable: 'hr' }));
console.log(`LR ${lr.rows} x ${lr.cols} x ${lr.bands}, HR ${hr.rows} x ${hr.cols} x ${hr.bands}`);
