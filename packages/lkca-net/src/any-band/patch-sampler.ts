// Training and validation patches for the any-band model: random groups of G neighbouring bands
// (every 1st, 2nd or 3rd band, so coarser spectral sampling is seen too) from random positions of
// real scenes, LR by MATLAB bicubic x1/s of the whole scene, dihedral augmentation, each group
// normalised by the LR scene's own moments exactly as AnyBandSR does at inference.
import { type Cube, cubeToBip, downsampleCube, mixSeed, mulberry32 } from '@hsrkit/hsi-data';
import { type BandMoments, bandMoments, groupNormalization } from './normalization.js';

export interface AnyBandTrainScene {
  id: string;
  sensor: string;
  /** HR, BIP float32, rows and cols multiples of the scale. */
  hr: Float32Array;
  lr: Float32Array;
  rows: number;
  cols: number;
  bands: number;
  lrMoments: BandMoments;
  /** LR rows usable for training patches: [0, lrRowLimit). */
  lrRowLimit: number;
  /** Relative sampling weight. */
  weight: number;
}

/** HR cropped to multiples of `scale` (top-left kept) and its MATLAB-bicubic LR, both BIP float32. */
export function prepareAnyBandScene(
  id: string,
  sensor: string,
  cube: Cube,
  scale: number,
  weight = 1,
): AnyBandTrainScene {
  const bip = cubeToBip(cube, id);
  const rows = bip.rows - (bip.rows % scale);
  const cols = bip.cols - (bip.cols % scale);
  const B = bip.bands;
  const hr = new Float32Array(rows * cols * B);
  for (let r = 0; r < rows; r++)
    hr.set(bip.data.subarray(r * bip.cols * B, (r * bip.cols + cols) * B), r * cols * B);
  const lrCube = downsampleCube({ rows, cols, bands: B, interleave: 'bip', data: hr }, scale);
  const lr = lrCube.data as Float32Array;
  return {
    id,
    sensor,
    hr,
    lr,
    rows,
    cols,
    bands: B,
    lrMoments: bandMoments(lr, B),
    lrRowLimit: rows / scale,
    weight: weight * rows * cols,
  };
}

export interface AnyBandPatchBatch {
  /** [n, p, p, G] normalised LR. */
  x: Float32Array;
  /** [n, p*s, p*s, G] normalised HR. */
  y: Float32Array;
  /** [n] offset / scale of each item: adding it gives the group back up to a positive factor. */
  shift: Float32Array;
}

export interface AnyBandSamplerOptions {
  scale: number;
  groupSize: number;
  /** LR patch side. */
  patch: number;
  batch: number;
  seed: number;
  /** Band steps (fractional ones interpolate) to draw from, with their probabilities. */
  bandSteps?: [number, number][];
}

/** Draws the batch of step `step` from `mulberry32(mix(seed, step))` alone: resumable and reproducible. */
export function sampleAnyBandBatch(
  scenes: AnyBandTrainScene[],
  o: AnyBandSamplerOptions,
  step: number,
): AnyBandPatchBatch {
  const rand = mulberry32(mixSeed(o.seed, step));
  const { scale: s, groupSize: G, patch: p, batch: n } = o;
  const P = p * s;
  const steps = o.bandSteps ?? [
    [1, 0.5],
    [2, 0.3],
    [3, 0.2],
  ];
  const total = scenes.reduce((a, sc) => a + sc.weight, 0);
  const x = new Float32Array(n * p * p * G);
  const y = new Float32Array(n * P * P * G);
  const shift = new Float32Array(n);
  const sources = new Int32Array(G);
  const lo = new Int32Array(G);
  const hi = new Int32Array(G);
  const frac = new Float32Array(G);
  for (let i = 0; i < n; i++) {
    let u = rand() * total;
    let sc = scenes[scenes.length - 1];
    for (const cand of scenes) {
      u -= cand.weight;
      if (u < 0) {
        sc = cand;
        break;
      }
    }
    let v = rand();
    let k = 1;
    for (const [stepSize, prob] of steps) {
      k = stepSize;
      v -= prob;
      if (v < 0) break;
    }
    while (k > 1 && k * (G - 1) + 1 > sc.bands) k--;
    // Slot j reads band position b0 + j*k; a fractional position is a linear mix of its two
    // neighbours (bicubic is linear, so the LR of the mix is the mix of the LRs): finer spectral
    // sampling than the sensor's, as some sensors have.
    const span = Math.min(sc.bands - 1, k * (G - 1));
    const b0 = rand() * (sc.bands - 1 - span);
    for (let j = 0; j < G; j++) {
      const pos = Math.min(sc.bands - 1, (Number.isInteger(k) ? Math.floor(b0) : b0) + j * k);
      lo[j] = Math.floor(pos);
      hi[j] = Math.min(sc.bands - 1, lo[j] + 1);
      frac[j] = pos - lo[j];
      sources[j] = frac[j] < 0.5 ? lo[j] : hi[j];
    }
    const norm = groupNormalization(
      {
        groups: 1,
        groupSize: G,
        sources,
        stride: G,
        bands: sc.bands,
        weights: new Float32Array(G),
      },
      sc.lrMoments,
    );
    const off = norm.offset[0];
    const inv = 1 / norm.scale[0];
    shift[i] = off * inv;
    const lrCols = sc.cols / s;
    const r0 = Math.floor(rand() * (sc.lrRowLimit - p + 1));
    const c0 = Math.floor(rand() * (lrCols - p + 1));
    const d = Math.floor(rand() * 8);
    const transpose = (d & 4) !== 0;
    const flipR = (d & 1) !== 0;
    const flipC = (d & 2) !== 0;
    // Output (a, b) of an m x m patch reads source (sa, sb) of the un-augmented patch.
    const src = (a: number, b: number, m: number): [number, number] => {
      let sa = transpose ? b : a;
      let sb = transpose ? a : b;
      if (flipR) sa = m - 1 - sa;
      if (flipC) sb = m - 1 - sb;
      return [sa, sb];
    };
    const B = sc.bands;
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) {
        const [sa, sb] = src(a, b, p);
        const o = ((r0 + sa) * lrCols + c0 + sb) * B;
        const t = ((i * p + a) * p + b) * G;
        for (let j = 0; j < G; j++)
          x[t + j] =
            (sc.lr[o + lo[j]] + frac[j] * (sc.lr[o + hi[j]] - sc.lr[o + lo[j]]) - off) * inv;
      }
    for (let a = 0; a < P; a++)
      for (let b = 0; b < P; b++) {
        const [sa, sb] = src(a, b, P);
        const o = ((r0 * s + sa) * sc.cols + c0 * s + sb) * B;
        const t = ((i * P + a) * P + b) * G;
        for (let j = 0; j < G; j++)
          y[t + j] =
            (sc.hr[o + lo[j]] + frac[j] * (sc.hr[o + hi[j]] - sc.hr[o + lo[j]]) - off) * inv;
      }
  }
  return { x, y, shift };
}
