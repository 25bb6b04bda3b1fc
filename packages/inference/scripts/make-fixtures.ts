// Writes fixtures/samson_crop.{img,hdr}: the top-left 24 x 20 pixels (all 156 bands, int16, BSQ,
// map info and wavelengths kept) of the real Samson scene, the cube the file-to-file tests
// upscale. Run once: npx tsx --conditions=source scripts/make-fixtures.ts [path/to/samson_1.img.hdr]
import { fileURLToPath } from 'node:url';
import { readCubeWindow, writeCube } from '@hsrkit/hsi-data/node';

const source =
  process.argv[2] ?? '/work/shared/data/hsi/pekalam-hyperspectral-segmentation/samson_1.img.hdr';
const out = fileURLToPath(new URL('../fixtures/samson_crop.hdr', import.meta.url));
// The top-left corner, so the map info (reference pixel 1, 1) still locates the crop.
const crop = await readCubeWindow(source, { row: 0, col: 0, rows: 24, cols: 20 });
await writeCube(out, crop, { sampleType: 'int16', interleave: 'bsq' });
console.log(`wrote ${out}: ${crop.rows} x ${crop.cols} x ${crop.bands}, map info ${crop.mapInfo}`);
