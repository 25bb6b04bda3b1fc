import * as tf from '@tensorflow/tfjs';
import { type Cube, cubeToBip } from '@hsrkit/hsi-data';
import { selfEnsemble } from '@hsrkit/inference';
import { ANY_BAND_FORMAT, type AnyBandConfig, checkAnyBandConfig } from './config.js';
import { type AnyBandCoreOptions, anyBandCore } from './core.js';
import { coreForward, RELATIVE_SOFTENING, type ResidualMode } from './core-forward.js';
import { AnyBandConfigError, AnyBandInputError } from './errors.js';
import { type BandGroupPlan, planBandGroups } from './grouping.js';
import {
  type BandMoments,
  bandMoments,
  type GroupNormalization,
  groupNormalization,
} from './normalization.js';

export interface AnyBandCreateOptions {
  scale?: number;
  groupSize?: number;
  stride?: number;
  core?: AnyBandCoreOptions;
  /** How the core's correction of bicubic is applied (default 'additive'). */
  residual?: ResidualMode;
  /** Softening of the 'relative' gain (default RELATIVE_SOFTENING). */
  relativeSoftening?: number;
  /** Seeds the core's weight init. */
  seed?: number;
  name?: string;
}

export interface AnyBandTensorOptions {
  /** Band moments to normalise with (default: of `lr` itself); tiles of one cube pass the cube's. */
  moments?: BandMoments;
  /** Groups run through the core at once (memory vs speed; default 8). */
  groupBatch?: number;
}

export interface AnyBandPredictOptions {
  groupBatch?: number;
  /** LR tile side for large cubes (default 96); tiles overlap by `halo` LR pixels each side. */
  tile?: number;
  /** Default 12 LR pixels, more than the core's receptive field reaches in practice. */
  halo?: number;
  /**
   * Samples that are NaN/Infinity or equal the cube's `noDataValue`: 'mask' (default) skips bands
   * that are all no-data (their output is all no-data), fills scattered no-data samples with their
   * band's mean for the network and marks the HR pixels they cover as no-data; 'error' throws.
   */
  noData?: 'mask' | 'error';
  /** Average the outputs of the 8 rotations and flips of the input (src/self-ensemble.ts): better
   * scores at 8 times the compute. Default false. */
  selfEnsemble?: boolean;
}

/**
 * A super-resolution model for cubes of any band count: one LKCA-Net core on G bands, applied with
 * shared weights to overlapping groups of neighbouring bands (the groups are batch items), each
 * group normalised by its own mean and standard deviation taken from the input, the outputs put
 * back in the input's units and fused by a weighted average over the overlaps.
 */
export class AnyBandSR {
  readonly config: AnyBandConfig;
  private readonly plans = new Map<number, BandGroupPlan>();

  constructor(
    readonly core: tf.LayersModel,
    config: AnyBandConfig,
  ) {
    this.config = checkAnyBandConfig(config);
    const shape = core.inputs[0].shape;
    if (shape[shape.length - 1] !== this.config.groupSize)
      throw new AnyBandConfigError(
        'groupSize',
        `${this.config.groupSize} but the core takes ${shape[shape.length - 1]} bands`,
      );
  }

  /** A fresh, seeded (untrained) model. */
  static create(opts: AnyBandCreateOptions = {}): AnyBandSR {
    const scale = opts.scale ?? 4;
    const groupSize = opts.groupSize ?? 8;
    const stride = opts.stride ?? Math.max(1, groupSize / 2);
    planBandGroups(groupSize, groupSize, stride); // checks the numbers before building
    const core = anyBandCore(groupSize, scale, opts.core, opts.seed ?? 0);
    return new AnyBandSR(core, {
      format: ANY_BAND_FORMAT,
      name: opts.name ?? 'any-band',
      scale,
      groupSize,
      stride,
      normalization: 'group-mean-std',
      residual: opts.residual ?? 'additive',
      relativeSoftening: opts.relativeSoftening ?? RELATIVE_SOFTENING,
      core: opts.core ?? {},
    });
  }

  get scale(): number {
    return this.config.scale;
  }

  plan(bands: number): BandGroupPlan {
    let p = this.plans.get(bands);
    if (!p) {
      p = planBandGroups(bands, this.config.groupSize, this.config.stride);
      this.plans.set(bands, p);
    }
    return p;
  }

  /**
   * `[h, w, B]` LR tensor (finite, any units) to `[h*s, w*s, B]` in the same units. The caller
   * disposes the result; `lr` is not disposed.
   */
  superResolveTensor(lr: tf.Tensor3D, opts: AnyBandTensorOptions = {}): tf.Tensor3D {
    if (lr.rank !== 3)
      throw new AnyBandInputError(
        'input',
        `expected a [rows, cols, bands] tensor, got [${lr.shape}]`,
      );
    const [h, w, bands] = lr.shape;
    const plan = this.plan(bands);
    const moments = opts.moments ?? bandMoments(lr.dataSync(), bands);
    if (moments.mean.length !== bands)
      throw new AnyBandInputError(
        'moments',
        `${moments.mean.length} bands of moments for a ${bands}-band input`,
      );
    const norm = groupNormalization(plan, moments);
    const s = this.config.scale;
    const G = plan.groupSize;
    const batch = Math.max(1, opts.groupBatch ?? 8);
    let acc: tf.Tensor2D = tf.zeros([h * s * w * s, bands]);
    for (let g0 = 0; g0 < plan.groups; g0 += batch) {
      const n = Math.min(batch, plan.groups - g0);
      const next = tf.tidy(() => {
        const y = this.runGroups(lr, plan, norm, g0, n);
        // Fusion as one product: [HW, n*G] x [n*G, B], column b holding the weights of b's slots.
        const fuse = new Float32Array(n * G * bands);
        for (let k = 0; k < n * G; k++)
          fuse[k * bands + plan.sources[g0 * G + k]] = plan.weights[g0 * G + k];
        const flat = tf.reshape(tf.transpose(y, [1, 2, 0, 3]), [h * s * w * s, n * G]);
        return tf.add(acc, tf.matMul(flat, tf.tensor2d(fuse, [n * G, bands]))) as tf.Tensor2D;
      });
      acc.dispose();
      acc = next;
    }
    const out = tf.reshape(acc, [h * s, w * s, bands]) as tf.Tensor3D;
    acc.dispose();
    return out;
  }

  /** Groups g0 .. g0+n-1 through the core: `[n, h*s, w*s, G]`, in the input's units. */
  private runGroups(
    lr: tf.Tensor3D,
    plan: BandGroupPlan,
    norm: GroupNormalization,
    g0: number,
    n: number,
  ): tf.Tensor4D {
    const [h, w] = lr.shape;
    const G = plan.groupSize;
    const idx = tf.tensor1d(plan.sources.subarray(g0 * G, (g0 + n) * G), 'int32');
    const grouped = tf.transpose(tf.reshape(tf.gather(lr, idx, 2), [h, w, n, G]), [2, 0, 1, 3]);
    const offset = tf.tensor4d(norm.offset.subarray(g0, g0 + n), [n, 1, 1, 1]);
    const scale = tf.tensor4d(norm.scale.subarray(g0, g0 + n), [n, 1, 1, 1]);
    const y = coreForward(
      this.core,
      tf.div(tf.sub(grouped, offset), scale),
      tf.div(offset, scale),
      this.config.scale,
      this.config.residual ?? 'additive',
      false,
      this.config.relativeSoftening,
    );
    return tf.add(tf.mul(y, scale), offset);
  }

  /**
   * Super-resolves a cube (any interleave and sample type, in its own units: DN, scaled
   * reflectance, [0, 1]) to a BIP float32 cube `scale` times larger in rows and cols, same units
   * and metadata. Large cubes run in overlapping tiles, normalised with the whole cube's moments.
   */
  async predict(cube: Cube, opts: AnyBandPredictOptions = {}): Promise<Cube> {
    const bip = cubeToBip(cube, 'AnyBandSR.predict');
    const { rows, cols, bands } = bip;
    const s = this.config.scale;
    const noData = cube.noDataValue;
    const isValid = (v: number) => Number.isFinite(v) && v !== noData;
    const data = bip.data;
    // Which bands have any valid sample; which samples are invalid.
    const validCount = new Int32Array(bands);
    let invalid = 0;
    for (let i = 0; i < data.length; i++)
      if (isValid(data[i])) validCount[i % bands]++;
      else invalid++;
    if (invalid > 0 && opts.noData === 'error')
      throw new AnyBandInputError(
        'no-data',
        `${invalid} of ${data.length} samples are NaN, infinite or the no-data value ${noData}`,
      );
    const live: number[] = [];
    for (let b = 0; b < bands; b++) if (validCount[b] > 0) live.push(b);
    if (live.length === 0)
      throw new AnyBandInputError('no-data', 'every sample of the cube is no-data');
    const L = live.length;
    // The live bands, scattered no-data samples filled with their band's mean.
    const moments = bandMoments(data, bands, (p, b) => isValid(data[p * bands + b]));
    const work = new Float32Array(rows * cols * L);
    for (let p = 0; p < rows * cols; p++)
      for (let k = 0; k < L; k++) {
        const v = data[p * bands + live[k]];
        work[p * L + k] = isValid(v) ? v : moments.mean[live[k]];
      }
    const liveMoments: BandMoments = {
      mean: Float64Array.from(live, (b) => moments.mean[b]),
      meanSquare: Float64Array.from(live, (b) => moments.meanSquare[b]),
    };
    // The moments do not change under rotations and flips: every pass normalises alike.
    const sr = opts.selfEnsemble
      ? await selfEnsemble(work, rows, cols, L, s, (x, r, c) =>
          this.tiled(x, r, c, L, liveMoments, opts),
        )
      : await this.tiled(work, rows, cols, L, liveMoments, opts);
    const fill = noData ?? Number.NaN;
    const out = new Float32Array(rows * s * cols * s * bands);
    const W = cols * s;
    for (let R = 0; R < rows * s; R++)
      for (let C = 0; C < W; C++) {
        const o = (R * W + C) * bands;
        const lrp = Math.floor(R / s) * cols + Math.floor(C / s);
        for (let b = 0; b < bands; b++) out[o + b] = fill;
        for (let k = 0; k < L; k++) {
          const b = live[k];
          out[o + b] =
            invalid > 0 && !isValid(data[lrp * bands + b]) ? fill : sr[(R * W + C) * L + k];
        }
      }
    const result: Cube = { ...cube, rows: rows * s, cols: W, interleave: 'bip', data: out };
    delete result.mapInfo; // the pixel size changed
    if (invalid === 0) delete result.noDataValue;
    return result;
  }

  /** SR of a BIP float32 image in LR tiles with a halo, stitched without the halos. */
  private async tiled(
    data: Float32Array,
    rows: number,
    cols: number,
    bands: number,
    moments: BandMoments,
    opts: AnyBandPredictOptions,
  ): Promise<Float32Array> {
    const s = this.config.scale;
    const tile = Math.max(8, opts.tile ?? 96);
    const halo = Math.max(0, opts.halo ?? 12);
    const W = cols * s;
    const out = new Float32Array(rows * s * W * bands);
    const lr = tf.tensor3d(data, [rows, cols, bands]);
    try {
      for (let r0 = 0; r0 < rows; r0 += tile)
        for (let c0 = 0; c0 < cols; c0 += tile) {
          const r1 = Math.min(rows, r0 + tile);
          const c1 = Math.min(cols, c0 + tile);
          const ra = Math.max(0, r0 - halo);
          const ca = Math.max(0, c0 - halo);
          const rb = Math.min(rows, r1 + halo);
          const cb = Math.min(cols, c1 + halo);
          const part = tf.tidy(() => {
            const x = tf.slice(lr, [ra, ca, 0], [rb - ra, cb - ca, bands]);
            const y = this.superResolveTensor(x, { moments, groupBatch: opts.groupBatch });
            return tf.slice(
              y,
              [(r0 - ra) * s, (c0 - ca) * s, 0],
              [(r1 - r0) * s, (c1 - c0) * s, bands],
            );
          });
          const vals = (await part.data()) as Float32Array;
          part.dispose();
          const tw = (c1 - c0) * s * bands;
          for (let R = 0; R < (r1 - r0) * s; R++)
            out.set(vals.subarray(R * tw, (R + 1) * tw), ((r0 * s + R) * W + c0 * s) * bands);
        }
    } finally {
      lr.dispose();
    }
    return out;
  }

  dispose(): void {
    this.core.dispose();
  }
}
