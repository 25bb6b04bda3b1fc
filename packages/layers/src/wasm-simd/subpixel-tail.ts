import { imresizeWeights } from '../bicubic.js';
import { LayerConfigError } from '../errors.js';
import type { ShuffleChannelOrder } from '../pixel-shuffle.js';
import { markContiguous, type PackedConv, packConv, runPackedConv } from './packed-conv.js';
import { chooseBuild, SimdArena, type SimdBuild } from '../wasm-core/simd-module.js';
import { instantiateSimd, type SimdExports } from './kernels-module.js';

/** The last layers of a sub-pixel SR net that {@link SubPixelTail} runs as one pass. */
export interface SubPixelTailSpec {
  /** The upsampling conv's kernel, HWIO `[k, k, Cin/groups, Cout]` (k = 3 or 1), as TF.js keeps it. */
  kernel: Float32Array;
  kernelShape: [number, number, number, number];
  /** Its bias `[Cout]`, if any. */
  bias?: Float32Array | null;
  /** Grouped conv (default 1). With groups > 1, Cout/groups must be a multiple of 8. */
  groups?: number;
  /** PixelShuffle factor s: Cout = bands * s^2. */
  scale: number;
  /** Sub-pixel channel order of the shuffle (default 'tf', see PixelShuffle). */
  channelOrder?: ShuffleChannelOrder;
  /** Add the MATLAB bicubic upscale of the LR input (the global residual skip; default true). */
  bicubicSkip?: boolean;
}

export interface SubPixelTailOptions {
  /**
   * Use the relaxed-SIMD build (fused multiply-add) where the engine validates it: 'auto'
   * (default), or false for the plain SIMD build. Node 20 needs
   * `--experimental-wasm-relaxed-simd` for it (Chrome 114+ and Node 22+ have it on).
   */
  relaxedSimd?: 'auto' | boolean;
}

/** Nonzero taps per output sample of MATLAB's resize matrix [outLen, inLen]. */
function tapTable(inLen: number, scale: number) {
  const outLen = inLen * scale;
  const m = imresizeWeights(inLen, outLen, scale);
  let taps = 1;
  for (let i = 0; i < outLen; i++) {
    let n = 0;
    for (let j = 0; j < inLen; j++) if (m[i * inLen + j] !== 0) n++;
    taps = Math.max(taps, n);
  }
  const index = new Int32Array(outLen * taps);
  const weight = new Float32Array(outLen * taps);
  for (let i = 0; i < outLen; i++) {
    let n = 0;
    for (let j = 0; j < inLen; j++) {
      const v = m[i * inLen + j];
      if (v === 0) continue;
      index[i * taps + n] = j;
      weight[i * taps + n++] = v;
    }
  }
  return { taps, index, weight };
}

/**
 * The tail of a sub-pixel super-resolution net in one WebAssembly SIMD pass:
 * `PixelShuffle(conv(features) + bias) + bicubic(lr)`, the conv a 3x3 'same' one by Winograd
 * F(4x4, 3x3) or a 1x1 one, grouped or not. Every output sample is written once, straight into
 * the HR cube: no [h, w, B*s*s] tensor, no transpose, no separate skip and add (on the TF.js wasm
 * backend those passes took about as long as the conv itself). Same result as the layers to
 * float32 rounding. Runs on the calling thread, in its own linear memory; not tied to a TF.js
 * backend. Free it with dispose().
 */
export class SubPixelTail {
  readonly bands: number;
  readonly scale: number;
  readonly kernelSize: 1 | 3;
  readonly cin: number;
  readonly cout: number;
  readonly groups: number;
  readonly bicubicSkip: boolean;
  readonly channelOrder: ShuffleChannelOrder;
  /** Which build runs: 'relaxed' (fused multiply-add) or 'simd'. */
  readonly simd: SimdBuild;
  private arena: SimdArena<SimdExports> | null;
  private readonly conv: PackedConv;
  private readonly rowTaps = new Map<number, ReturnType<typeof tapTable>>();

  private constructor(ex: SimdExports, simd: SimdBuild, spec: SubPixelTailSpec) {
    this.simd = simd;
    const [kh, , cinG, cout] = spec.kernelShape;
    const groups = spec.groups ?? 1;
    this.kernelSize = kh as 1 | 3;
    this.groups = groups;
    this.cin = cinG * groups;
    this.cout = cout;
    this.scale = spec.scale;
    this.bands = cout / (spec.scale * spec.scale);
    this.bicubicSkip = spec.bicubicSkip ?? true;
    this.channelOrder = spec.channelOrder ?? 'tf';
    this.arena = new SimdArena(ex);
    this.conv = packConv(this.arena, spec.kernel, spec.kernelShape, groups, spec.bias ?? null);
    // Everything after the weights is per-call scratch.
    this.arena = new SimdArena(ex, this.arena.mark);
  }

  /** Checks the spec and compiles (once per page/process) and instantiates the module. */
  static async create(
    spec: SubPixelTailSpec,
    options: SubPixelTailOptions = {},
  ): Promise<SubPixelTail> {
    const where = 'SubPixelTail';
    const shape = spec.kernelShape;
    if (
      !Array.isArray(shape) ||
      shape.length !== 4 ||
      shape.some((d) => !Number.isInteger(d) || d < 1)
    )
      throw new LayerConfigError(
        where,
        'kernelShape',
        `expected [k, k, Cin/groups, Cout], got ${JSON.stringify(shape)}`,
      );
    const [kh, kw, cinG, cout] = shape;
    if (!((kh === 3 && kw === 3) || (kh === 1 && kw === 1)))
      throw new LayerConfigError(where, 'kernelShape', `only 3x3 and 1x1 kernels, got ${kh}x${kw}`);
    if (!(spec.kernel instanceof Float32Array) || spec.kernel.length !== kh * kw * cinG * cout)
      throw new LayerConfigError(
        where,
        'kernel',
        `expected a Float32Array of ${kh * kw * cinG * cout} values for [${shape}], got ${spec.kernel?.length}`,
      );
    const groups = spec.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1 || cout % groups !== 0)
      throw new LayerConfigError(
        where,
        'groups',
        `must be a positive integer dividing Cout ${cout}, got ${groups}`,
      );
    if (groups > 1 && (cout / groups) % 8 !== 0)
      throw new LayerConfigError(
        where,
        'groups',
        `Cout/groups must be a multiple of 8, got ${cout}/${groups}`,
      );
    const s = spec.scale;
    if (!Number.isInteger(s) || s < 1 || cout % (s * s) !== 0)
      throw new LayerConfigError(
        where,
        'scale',
        `must be an integer whose square divides Cout ${cout}, got ${s}`,
      );
    if (spec.bias != null && (!(spec.bias instanceof Float32Array) || spec.bias.length !== cout))
      throw new LayerConfigError(
        where,
        'bias',
        `expected a Float32Array of ${cout} values, got ${spec.bias?.length}`,
      );
    const order = spec.channelOrder ?? 'tf';
    if (order !== 'tf' && order !== 'pytorch')
      throw new LayerConfigError(
        where,
        'channelOrder',
        `expected 'tf' or 'pytorch', got ${JSON.stringify(order)}`,
      );
    const build = chooseBuild(options.relaxedSimd ?? 'auto');
    if (!build)
      throw new LayerConfigError(
        where,
        'relaxedSimd',
        'this engine has no WebAssembly relaxed SIMD',
      );
    return new SubPixelTail(await instantiateSimd(build), build, spec);
  }

  private get mem(): SimdArena<SimdExports> {
    if (!this.arena) throw new LayerConfigError('SubPixelTail', 'run', 'used after dispose()');
    return this.arena;
  }

  private taps(len: number) {
    let t = this.rowTaps.get(len);
    if (!t) {
      t = tapTable(len, this.scale);
      this.rowTaps.set(len, t);
    }
    return t;
  }

  /**
   * The HR cube `[h*s, w*s, bands]` (BIP) from the features `[h, w, Cin]` fed to the upsampling
   * conv and, with the bicubic skip, the LR input `[h, w, bands]` (both BIP float32). A fresh
   * array, or with `view: true` a view of the module's memory, valid until the next run (no copy).
   * `rows: [r0, r1)` computes only the HR rows of LR rows r0..r1-1 (the rest of the result is
   * zeros): a tile's rows that blending gives weight 0 need not be computed.
   */
  run(
    features: Float32Array,
    height: number,
    width: number,
    lr?: Float32Array | null,
    options: { view?: boolean; rows?: [number, number] } = {},
  ): Float32Array {
    const mem = this.mem;
    const ex = mem.ex;
    const { cin, cout, bands, scale: s } = this;
    const where = 'SubPixelTail.run';
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1)
      throw new LayerConfigError(
        where,
        'height/width',
        `must be positive integers, got ${height}x${width}`,
      );
    if (features.length !== height * width * cin)
      throw new LayerConfigError(
        where,
        'features',
        `expected ${height}x${width}x${cin} = ${height * width * cin} values, got ${features.length}`,
      );
    if (this.bicubicSkip && (!lr || lr.length !== height * width * bands))
      throw new LayerConfigError(
        where,
        'lr',
        `expected the LR input ${height}x${width}x${bands} = ${height * width * bands} values, got ${lr?.length ?? 'none'}`,
      );
    const H = height * s;
    const W = width * s;
    const rowRange = options.rows ?? [0, height];
    if (
      !Number.isInteger(rowRange[0]) ||
      !Number.isInteger(rowRange[1]) ||
      rowRange[0] < 0 ||
      rowRange[1] > height ||
      rowRange[0] >= rowRange[1]
    )
      throw new LayerConfigError(
        where,
        'rows',
        `must be [first, end) with 0 <= first < end <= ${height}, got [${rowRange}]`,
      );
    mem.reset();
    const rows = this.bicubicSkip ? this.taps(height) : null;
    const cols = this.bicubicSkip ? this.taps(width) : null;
    const offAt = mem.take(4 * cout);
    const contigAt = mem.take(Math.ceil(cout / 4));
    const fAt = mem.take(4 * features.length);
    const xAt = this.bicubicSkip ? mem.take(4 * lr!.length) : 0;
    const tmpAt = this.bicubicSkip ? mem.take(4 * width * bands) : 0;
    const riAt = rows ? mem.take(4 * rows.index.length) : 0;
    const rwAt = rows ? mem.take(4 * rows.index.length) : 0;
    const ciAt = cols ? mem.take(4 * cols.index.length) : 0;
    const cwAt = cols ? mem.take(4 * cols.index.length) : 0;
    const outAt = mem.take(4 * H * W * bands);
    // Where channel co of an LR pixel lands, relative to that pixel's first HR sample.
    const off = mem.i32(offAt, cout);
    for (let co = 0; co < cout; co++) {
      const [phase, b] =
        this.channelOrder === 'tf'
          ? [Math.floor(co / bands), co % bands]
          : [co % (s * s), Math.floor(co / (s * s))];
      off[co] = Math.floor(phase / s) * W * bands + (phase % s) * bands + b;
    }
    markContiguous(mem, offAt, contigAt, cout);
    mem.f32(fAt, features.length).set(features);
    if (rows && cols && lr) {
      mem.f32(xAt, lr.length).set(lr);
      mem.i32(riAt, rows.index.length).set(rows.index);
      mem.f32(rwAt, rows.index.length).set(rows.weight);
      mem.i32(ciAt, cols.index.length).set(cols.index);
      mem.f32(cwAt, cols.index.length).set(cols.weight);
    }
    runPackedConv(mem, this.conv, {
      fAt,
      height,
      width,
      outAt,
      rowStride: s * W * bands,
      colStride: s * bands,
      offAt,
      contigAt,
      accumulate: this.bicubicSkip,
      rows: rowRange,
      // The skip first, for the rows each block then adds to (still in cache).
      beforeRows: (lrRow0, lrRow1) => {
        if (rows && cols)
          ex.resize_rows(
            xAt,
            width,
            bands,
            outAt,
            W,
            riAt,
            rwAt,
            rows.taps,
            ciAt,
            cwAt,
            cols.taps,
            lrRow0 * s,
            lrRow1 * s,
            tmpAt,
          );
      },
    });
    const result = mem.f32(outAt, H * W * bands);
    // Rows not asked for hold zeros, not a previous run's values: a sink that weighs them 0
    // without skipping them still gets 0 (never 0 * NaN).
    const hrRow = W * bands;
    result.fill(0, 0, rowRange[0] * s * hrRow);
    result.fill(0, rowRange[1] * s * hrRow);
    return options.view ? result : result.slice();
  }

  /** Drops the module's memory (weights and buffers). */
  dispose(): void {
    this.arena = null;
    this.rowTaps.clear();
  }
}
