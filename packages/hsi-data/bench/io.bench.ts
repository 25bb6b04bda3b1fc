// Windowed reads vs whole-file reads of a big ENVI scene, in the same run.
// The scene is the real Jasper Ridge cube (100 x 100 x 198 int16, BIL) tiled 16 x 16 times into a
// 1600 x 1600 x 198 file (1.0 GB), written to the OS temp folder and removed afterwards.
//   cd packages/hsi-data && npx tsx src/io/io.bench.ts
// Prints the numbers and writes bench/results/io.json.
import { promises as fs, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleIndex } from '../src/cube.js';
import { readEnvi, readEnviWindow } from '../src/node/envi-files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPEAT = Number(process.env.HSI_BENCH_REPEAT ?? 16);
const TILE = 256;

async function makeScene(dir: string): Promise<string> {
  const jasper = await readEnvi(path.join(here, '../fixtures/real/jasperRidge2_R198.hdr'));
  const { rows, cols, bands } = jasper;
  const bigCols = cols * REPEAT;
  const data = path.join(dir, 'big.img');
  const handle = await fs.open(data, 'w');
  // One BIL line of the big scene: for each band, the Jasper line repeated REPEAT times.
  const line = new Int16Array(bands * bigCols);
  for (let tr = 0; tr < REPEAT; tr++)
    for (let r = 0; r < rows; r++) {
      for (let b = 0; b < bands; b++)
        for (let t = 0; t < REPEAT; t++)
          for (let c = 0; c < cols; c++)
            line[b * bigCols + t * cols + c] = jasper.data[sampleIndex(jasper, r, c, b)];
      await handle.write(new Uint8Array(line.buffer));
    }
  await handle.close();
  const header = await fs.readFile(
    path.join(here, '../fixtures/real/jasperRidge2_R198.hdr'),
    'latin1',
  );
  await fs.writeFile(
    path.join(dir, 'big.hdr'),
    header
      .replace(/samples\s*=\s*100/, `samples = ${bigCols}`)
      .replace(/lines\s*=\s*100/, `lines = ${rows * REPEAT}`),
  );
  return path.join(dir, 'big.hdr');
}

function peakTracker() {
  let peak = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
  };
  const timer = setInterval(sample, 5);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'hsi-io-bench-'));
try {
  const file = await makeScene(dir);
  const bytes = (await fs.stat(path.join(dir, 'big.img'))).size;
  const mb = bytes / 2 ** 20;
  const size = REPEAT * 100;

  // Tiled: every 256 x 256 tile, all bands.
  global.gc?.();
  const baseRss = process.memoryUsage().rss;
  let t0 = performance.now();
  let tracker = peakTracker();
  let checksum = 0;
  for (let row = 0; row < size; row += TILE)
    for (let col = 0; col < size; col += TILE) {
      const tile = await readEnviWindow(file, {
        row,
        col,
        rows: Math.min(TILE, size - row),
        cols: Math.min(TILE, size - col),
      });
      checksum += tile.data[0];
    }
  const tiledMs = performance.now() - t0;
  const tiledPeak = tracker.stop();

  // Band subset over the whole scene (3 of 198 bands: a false-colour preview).
  t0 = performance.now();
  const rgb = await readEnviWindow(file, {
    row: 0,
    col: 0,
    rows: size,
    cols: size,
    bands: [28, 15, 5],
  });
  const subsetMs = performance.now() - t0;
  checksum += rgb.data[0];

  // Baseline: read the whole file at once.
  global.gc?.();
  t0 = performance.now();
  tracker = peakTracker();
  const whole = await readEnvi(file);
  const wholeMs = performance.now() - t0;
  const wholePeak = tracker.stop();
  checksum += whole.data[0];

  const results = {
    scene: `${size} x ${size} x 198 int16 BIL (${mb.toFixed(0)} MiB), Jasper Ridge tiled ${REPEAT} x ${REPEAT}`,
    machine: `${os.cpus()[0]?.model ?? 'cpu'} x ${os.cpus().length}, Node ${process.version}`,
    tiled256: {
      ms: Math.round(tiledMs),
      mibPerS: Math.round(mb / (tiledMs / 1000)),
      peakRssOverBaseMiB: Math.round((tiledPeak - baseRss) / 2 ** 20),
    },
    threeBandSubset: {
      ms: Math.round(subsetMs),
      readMiB: Math.round((size * size * 3 * 2) / 2 ** 20),
    },
    wholeFileBaseline: {
      ms: Math.round(wholeMs),
      mibPerS: Math.round(mb / (wholeMs / 1000)),
      peakRssOverBaseMiB: Math.round((wholePeak - baseRss) / 2 ** 20),
    },
    checksum,
  };
  console.log(JSON.stringify(results, null, 2));
  writeFileSync(path.join(here, 'results', 'io.json'), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
