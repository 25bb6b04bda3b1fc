import type { SimdArena as Arena } from '../wasm-core/simd-module.js';
import type { SimdExports } from './kernels-module.js';

type SimdArena = Arena<SimdExports>;

/** kernels.c's PC: output panels (of 8 channels) per pass of the output stage. */
const PANELS_PER_PASS = 4;
/** kernels.c's NR: output channels per packed panel. */
const PANEL = 8;

/** A conv's weights packed in a module's memory for kernels.c's kernels. */
export interface PackedConv {
  kernelSize: 1 | 3;
  cin: number;
  cout: number;
  groups: number;
  /** Address of the packed kernel: [36][panels][Cin/g][8] (3x3) or [panels][Cin/g][8] (1x1). */
  weightsAt: number;
  /** Its length in floats. */
  weightsLength: number;
  /** Address of the bias [Cout], or 0 for none. */
  biasAt: number;
}

/** Packs an HWIO kernel `[k, k, Cin/g, Cout]` (k = 3: Winograd-transformed) and its bias. */
export function packConv(
  mem: SimdArena,
  kernel: Float32Array,
  shape: readonly number[],
  groups: number,
  bias: Float32Array | null,
): PackedConv {
  const [kh, , cinG, cout] = shape;
  const panels = Math.ceil(cout / PANEL);
  const packed = (kh === 3 ? 36 : 1) * panels * cinG * PANEL;
  const weightsAt = mem.take(4 * packed);
  const biasAt = bias ? mem.take(4 * cout) : 0;
  if (bias) mem.f32(biasAt, cout).set(bias);
  // The raw kernel only while packing: its space is taken back.
  const mark = mem.mark;
  const rawAt = mem.take(4 * kernel.length);
  mem.f32(rawAt, kernel.length).set(kernel);
  if (kh === 3) mem.ex.wino_pack(rawAt, weightsAt, cinG, cout);
  else mem.ex.pointwise_pack(rawAt, weightsAt, cinG, cout);
  mem.reset(mark);
  return {
    kernelSize: kh as 1 | 3,
    cin: cinG * groups,
    cout,
    groups,
    weightsAt,
    weightsLength: packed,
    biasAt,
  };
}

/** contig[g] = 1 where off[4g..4g+3] are consecutive (one vector store), else 0. */
export function markContiguous(mem: SimdArena, offAt: number, contigAt: number, cout: number) {
  const off = mem.i32(offAt, cout);
  const contig = mem.u8(contigAt, Math.ceil(cout / 4));
  for (let g = 0; g < contig.length; g++) {
    const c = 4 * g;
    contig[g] =
      c + 3 < cout &&
      off[c + 1] === off[c] + 1 &&
      off[c + 2] === off[c] + 2 &&
      off[c + 3] === off[c] + 3
        ? 1
        : 0;
  }
}

export interface PackedConvRun {
  /** Address of the input [h, w, Cin] (BIP). */
  fAt: number;
  height: number;
  width: number;
  /** Output (oy, ox, co) goes to outAt + 4 * (oy*rowStride + ox*colStride + off[co]). */
  outAt: number;
  rowStride: number;
  colStride: number;
  offAt: number;
  contigAt: number;
  /** Add to what the output holds instead of overwriting it. */
  accumulate: boolean;
  /** Called before each block of output rows [row0, row1) is computed (e.g. to write a skip). */
  beforeRows?: (row0: number, row1: number) => void;
  /** Output rows to compute, [first, end) (default all): the others are left as they are. */
  rows?: [number, number];
}

/**
 * A stride-1 'same' convolution (3x3 by Winograd F(4x4, 3x3), or 1x1) of packed weights, each
 * output scattered through the offset table. Takes its scratch from `mem` after its mark.
 */
export function runPackedConv(mem: SimdArena, conv: PackedConv, r: PackedConvRun): void {
  const { height: h, width: w } = r;
  const { cin, cout, groups } = conv;
  const ex = mem.ex;
  const acc = r.accumulate ? 1 : 0;
  const common = [
    r.fAt,
    h,
    w,
    cin,
    groups,
    conv.weightsAt,
    conv.biasAt,
    cout,
    r.outAt,
    r.rowStride,
    r.colStride,
    r.offAt,
    r.contigAt,
    acc,
  ];
  const [row0, rowEnd] = r.rows ?? [0, h];
  if (conv.kernelSize === 3) {
    const cinP = Math.ceil(cin / 4) * 4;
    const tw = Math.ceil(w / 4);
    const th = Math.ceil((rowEnd - row0) / 4);
    // Tile rows per call: the transformed input block V stays about 1 MB (cache-resident).
    const blockRows = Math.max(1, Math.floor(2 ** 20 / (36 * tw * cinP * 4)));
    const nt = Math.min(blockRows, th) * tw;
    const vAt = mem.take(4 * 36 * nt * cinP);
    const mAt = mem.take(4 * 36 * nt * PANEL * PANELS_PER_PASS);
    for (let tr0 = 0; tr0 < th; tr0 += blockRows) {
      const tr1 = Math.min(th, tr0 + blockRows);
      r.beforeRows?.(row0 + 4 * tr0, Math.min(rowEnd, row0 + 4 * tr1));
      ex.wino_tail(...common, row0, rowEnd, tr0, tr1, vAt, mAt);
    }
  } else {
    const mAt = mem.take(4 * w * PANEL * PANELS_PER_PASS);
    for (let y = row0; y < rowEnd; y++) {
      r.beforeRows?.(y, y + 1);
      ex.pointwise_tail(...common, y, y + 1, mAt);
    }
  }
}
