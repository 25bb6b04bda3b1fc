import * as tf from '@tensorflow/tfjs';
import type { Cube } from '../cube.js';
import { type BipImage, cubeToBip } from './cube-input.js';
import { type DegradeOptions, degrade } from './degrade.js';
import { DIHEDRAL_ALL, type DihedralIndex, dihedralSourceTable } from './dihedral.js';
import { HsiConfigError, HsiShapeError, shapeText } from '../errors.js';
import { checkRecord, type NormalizationRecord, normalizeBipInPlace } from './normalize.js';
import { type Region, regionInside } from '../region.js';
import { type PatchPosition, patchGrid } from './patches.js';
import { mixSeed, mulberry32, seededShuffle } from './random.js';

/** Where patches come from: a scene's size and a way to read any window of it. */
export interface CubeSource {
  rows: number;
  cols: number;
  bands: number;
  /** The samples of `window` (any interleave or type; the dataset converts). */
  readWindow(window: Region, signal?: AbortSignal): Promise<Cube>;
}

/** A source over a cube already in memory (converted to BIP float32 once). */
export function inMemorySource(cube: Cube): CubeSource {
  const img: BipImage = cubeToBip(cube, 'inMemorySource');
  const { rows, cols, bands, data } = img;
  return {
    rows,
    cols,
    bands,
    async readWindow(w: Region): Promise<Cube> {
      checkWindow(w, rows, cols);
      const out = new Float32Array(w.rows * w.cols * bands);
      for (let r = 0; r < w.rows; r++) {
        const src = ((w.row + r) * cols + w.col) * bands;
        out.set(data.subarray(src, src + w.cols * bands), r * w.cols * bands);
      }
      return { rows: w.rows, cols: w.cols, bands, interleave: 'bip', data: out };
    },
  };
}

/**
 * A source that pulls each window through `reader` (e.g. a windowed file read), so a scene larger
 * than memory can be cut into patches. The reader's cubes are checked against the window asked for.
 * With this package's readers: `streamingSource(await cubeInfo(path), (w) => readCubeWindow(path, w))`.
 */
export function streamingSource(
  shape: { rows: number; cols: number; bands: number },
  reader: (window: Region, signal?: AbortSignal) => Promise<Cube>,
): CubeSource {
  const { rows, cols, bands } = shape;
  for (const [k, v] of Object.entries({ rows, cols, bands }))
    if (!Number.isInteger(v) || v < 1)
      throw new HsiConfigError(`shape.${k}`, `must be an integer >= 1, got ${v}`);
  return {
    rows,
    cols,
    bands,
    async readWindow(w: Region, signal?: AbortSignal): Promise<Cube> {
      checkWindow(w, rows, cols);
      const cube = await reader(w, signal);
      if (cube.rows !== w.rows || cube.cols !== w.cols || cube.bands !== bands)
        throw new HsiShapeError(
          `streamingSource: reader returned ${shapeText([cube.rows, cube.cols, cube.bands])} for window rows ${w.row}..${w.row + w.rows}, cols ${w.col}..${w.col + w.cols}; expected ${shapeText([w.rows, w.cols, bands])}`,
        );
      return cube;
    },
  };
}

function checkWindow(w: Region, rows: number, cols: number): void {
  if (!regionInside(w, rows, cols))
    throw new HsiShapeError(
      `window rows ${w.row}..${w.row + w.rows}, cols ${w.col}..${w.col + w.cols} is outside the ${rows} x ${cols} scene`,
    );
}

/** `none`: patches as they are; `all`: each patch in all 8 dihedral versions; `random`: one seeded random version per patch and epoch. */
export type AugmentMode = 'none' | 'all' | 'random';

export interface PatchDatasetOptions {
  /** HR patch side P (a multiple of `scale`). */
  patchSize: number;
  /** Integer SR scale s: LR patches are P/s by bicubic x 1/s. */
  scale: number;
  /** Grid step (default P); ignored when `positions` is given. */
  stride?: number;
  /** Patch corners to use (e.g. `splitTrainTest(...).train`); default the whole scene's grid. */
  positions?: PatchPosition[];
  batchSize?: number;
  augment?: AugmentMode;
  /** Shuffle each epoch (default true), seeded by `seed` and the epoch number. */
  shuffle?: boolean;
  seed?: number;
  /** Drop a last batch smaller than batchSize (default false). */
  dropRemainder?: boolean;
  /** Applied to HR samples as they are read (fit it on the scene with `normalize` first). */
  normalization?: NormalizationRecord;
  /** Extra degradation for blind SR; noise seeds are varied per batch from `noise.seed`. */
  degradation?: Omit<DegradeOptions, 'scale'>;
}

/** One dataset item: a patch corner and the dihedral transform applied to it. */
export interface PatchItem {
  row: number;
  col: number;
  k: DihedralIndex;
}

/** `lr` [n, P/s, P/s, B] and `hr` [n, P, P, B]: the consumer owns them and must dispose them. */
export interface PatchBatch {
  lr: tf.Tensor4D;
  hr: tf.Tensor4D;
  items: PatchItem[];
  /** Index of this batch in the epoch. */
  index: number;
  dispose(): void;
}

export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  patches: number;
}

export interface BatchIterationOptions {
  epoch?: number;
  signal?: AbortSignal;
  onProgress?: (p: BatchProgress) => void;
}

/**
 * SSPSR-style patch dataset: HR patches of size P at stride S from a source, LR by bicubic x 1/s,
 * optional dihedral augmentation, seeded shuffling, batches as tensors. Reading the next batch's
 * windows overlaps with the consumer's work on the current one.
 */
export class PatchDataset {
  readonly patchSize: number;
  readonly scale: number;
  readonly batchSize: number;
  readonly positions: readonly PatchPosition[];
  readonly augment: AugmentMode;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropRemainder: boolean;

  constructor(
    readonly source: CubeSource,
    readonly options: PatchDatasetOptions,
  ) {
    const { patchSize, scale } = options;
    if (!Number.isInteger(patchSize) || patchSize < 1)
      throw new HsiConfigError('patchSize', `must be an integer >= 1, got ${patchSize}`);
    if (!Number.isInteger(scale) || scale < 1)
      throw new HsiConfigError('scale', `must be an integer >= 1, got ${scale}`);
    if (patchSize % scale !== 0)
      throw new HsiConfigError('patchSize', `${patchSize} is not a multiple of the scale ${scale}`);
    this.patchSize = patchSize;
    this.scale = scale;
    this.batchSize = options.batchSize ?? 16;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new HsiConfigError('batchSize', `must be an integer >= 1, got ${this.batchSize}`);
    this.augment = options.augment ?? 'none';
    if (!['none', 'all', 'random'].includes(this.augment))
      throw new HsiConfigError(
        'augment',
        `must be 'none', 'all' or 'random', got '${this.augment}'`,
      );
    this.shuffle = options.shuffle ?? true;
    this.seed = options.seed ?? 0;
    this.dropRemainder = options.dropRemainder ?? false;
    if (options.normalization) checkRecord(options.normalization, source.bands);
    if (patchSize > source.rows || patchSize > source.cols)
      throw new HsiShapeError(
        `patchSize ${patchSize} is larger than the ${source.rows} x ${source.cols} scene`,
      );
    const positions =
      options.positions ??
      patchGrid(
        { row: 0, col: 0, rows: source.rows, cols: source.cols },
        patchSize,
        options.stride,
      );
    for (const p of positions)
      checkWindow({ ...p, rows: patchSize, cols: patchSize }, source.rows, source.cols);
    this.positions = positions;
  }

  /** Items per epoch (8x the patches with `augment: 'all'`). */
  get length(): number {
    return this.positions.length * (this.augment === 'all' ? 8 : 1);
  }

  get batchesPerEpoch(): number {
    return this.dropRemainder
      ? Math.floor(this.length / this.batchSize)
      : Math.ceil(this.length / this.batchSize);
  }

  /** The items of an epoch in the order they will be served. */
  epochItems(epoch = 0): PatchItem[] {
    const items: PatchItem[] = [];
    const pick = mulberry32(mixSeed(this.seed, 2 * epoch + 1));
    for (const { row, col } of this.positions) {
      if (this.augment === 'all') for (const k of DIHEDRAL_ALL) items.push({ row, col, k });
      else
        items.push({
          row,
          col,
          k: this.augment === 'random' ? (Math.floor(pick() * 8) as DihedralIndex) : 0,
        });
    }
    return this.shuffle ? seededShuffle(items, mixSeed(this.seed, 2 * epoch)) : items;
  }

  /** Reads and augments the HR samples of some items into one BIP float32 block [n, P, P, B]. */
  private async readHr(items: PatchItem[], signal?: AbortSignal): Promise<Float32Array> {
    const P = this.patchSize;
    const B = this.source.bands;
    const per = P * P * B;
    const out = new Float32Array(items.length * per);
    for (let n = 0; n < items.length; n++) {
      signal?.throwIfAborted();
      const it = items[n];
      const cube = await this.source.readWindow(
        { row: it.row, col: it.col, rows: P, cols: P },
        signal,
      );
      const src = cubeToBip(cube, `patch at row ${it.row}, col ${it.col}`).data;
      const table = dihedralSourceTable(it.k, P);
      const base = n * per;
      for (let p = 0; p < P * P; p++) {
        const from = table[p] * B;
        out.set(src.subarray(from, from + B), base + p * B);
      }
    }
    if (this.options.normalization) normalizeBipInPlace(out, B, this.options.normalization);
    return out;
  }

  /**
   * The batches of one epoch. Each batch's tensors belong to the caller (`batch.dispose()`);
   * stopping early (break, abort) leaves no tensors behind.
   */
  async *batches(opts: BatchIterationOptions = {}): AsyncGenerator<PatchBatch> {
    const epoch = opts.epoch ?? 0;
    const { signal } = opts;
    const items = this.epochItems(epoch);
    const count = this.batchesPerEpoch;
    const slice = (b: number) =>
      items.slice(b * this.batchSize, Math.min((b + 1) * this.batchSize, items.length));
    const load = (b: number) => {
      const p = this.readHr(slice(b), signal);
      p.catch(() => {}); // a prefetch nobody awaits (the consumer stopped) must not be unhandled
      return p;
    };
    let next = count > 0 ? load(0) : undefined;
    for (let b = 0; b < count; b++) {
      signal?.throwIfAborted();
      const hrData = await next!;
      next = b + 1 < count ? load(b + 1) : undefined;
      const batchItems = slice(b);
      const P = this.patchSize;
      const B = this.source.bands;
      const deg = this.options.degradation;
      const noise = deg?.noise
        ? { ...deg.noise, seed: mixSeed(deg.noise.seed, epoch * count + b) }
        : undefined;
      const hr = tf.tensor4d(hrData, [batchItems.length, P, P, B]);
      let lr: tf.Tensor4D;
      try {
        lr = degrade(hr, { ...deg, noise, scale: this.scale });
      } catch (e) {
        hr.dispose();
        throw e;
      }
      opts.onProgress?.({
        epoch,
        batch: b + 1,
        batches: count,
        patches: Math.min((b + 1) * this.batchSize, items.length),
      });
      yield {
        hr,
        lr,
        items: batchItems,
        index: b,
        dispose: () => tf.dispose([hr, lr]),
      };
    }
  }
}
