import { Matrix } from 'ml-matrix';
import { LowRankAnalysisError } from './errors.js';
import type { KernelLayerInfo } from './kernel-layer.js';

/**
 * How a kernel is laid out as a matrix.
 * - `flat`: rows index (kernel row i, kernel column j, input channel c), columns the output
 *   channel o: a `(kh*kw*Cin) x Cout` matrix. For a Conv2D it is the row-major reshape of the
 *   [kh,kw,Cin,Cout] kernel; its rank-r factors are a `kh x kw` conv to r channels followed by a
 *   1x1 conv. Dense: the [Cin,Cout] kernel itself. Conv2DTranspose: the [kh,kw,Cout,Cin] kernel
 *   with its last two axes swapped first, so rows are (i, j, c) and columns o as for Conv2D.
 * - `spatial`: rows (i, c), columns (j, o): a `(kh*Cin) x (kw*Cout)` matrix (Tai et al. 2016,
 *   "Convolutional neural networks with low-rank regularization"); its rank-r factors are a
 *   `kh x 1` conv to r channels followed by a `1 x kw` conv.
 * Grouped convs: one block per group with Cin/g and Cout/g in place of Cin and Cout (the dense
 * equivalent kernel is block-diagonal, so its singular values are those of the blocks together).
 * Depthwise convs: flat is `(kh*kw) x (C*m)` (how many basis filters span every channel's
 * filter), spatial is `kh x (kw*C*m)` (vertical profiles shared by all channels).
 */
export type MatrixForm = 'flat' | 'spatial';

export interface KernelMatrices {
  form: MatrixForm;
  /** Shape of one block. */
  rows: number;
  cols: number;
  /** One block per group (one for every layer kind but grouped convs). */
  blocks: Matrix[];
  /** The reshape in words, for reports. */
  reshape: string;
}

/** Lays `values` (the kernel, as stored) out as the matrices of `form`. */
export function kernelMatrices(
  info: KernelLayerInfo,
  values: ArrayLike<number>,
  form: MatrixForm,
): KernelMatrices {
  const { kh, kw, cin, cout, kind } = info;
  if (form !== 'flat' && form !== 'spatial')
    throw new LowRankAnalysisError(
      `${info.name}: matrix form must be 'flat' or 'spatial', got '${String(form)}'`,
      info.name,
    );
  if (kind === 'dense' && form === 'spatial')
    throw new LowRankAnalysisError(
      `${info.name}: a Dense kernel has no spatial extent; use form 'flat'`,
      info.name,
    );
  if (kind === 'depthwise') {
    const m = info.kernelShape[3];
    const ch = info.kernelShape[2];
    const rows = form === 'flat' ? kh * kw : kh;
    const cols = form === 'flat' ? ch * m : kw * ch * m;
    const M = new Matrix(rows, cols);
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++)
        for (let c = 0; c < ch; c++)
          for (let t = 0; t < m; t++) {
            const v = values[((i * kw + j) * ch + c) * m + t];
            if (form === 'flat') M.set(i * kw + j, c * m + t, v);
            else M.set(i, (c * m + t) * kw + j, v);
          }
    return {
      form,
      rows,
      cols,
      blocks: [M],
      reshape:
        form === 'flat'
          ? `[${kh},${kw},${ch},${m}] -> (kh*kw) x (C*m) = ${rows} x ${cols}`
          : `[${kh},${kw},${ch},${m}] -> kh x (kw*C*m) = ${rows} x ${cols}`,
    };
  }
  const g = kind === 'grouped' ? info.groups : 1;
  const cinG = cin / g;
  const coutG = cout / g;
  const rows = form === 'flat' ? kh * kw * cinG : kh * cinG;
  const cols = form === 'flat' ? coutG : kw * coutG;
  // Index of kernel element (i, j, c, o) for c < Cin/g, o < Cout in the stored layout.
  const at =
    kind === 'conv2dTranspose'
      ? (i: number, j: number, c: number, o: number) => ((i * kw + j) * cout + o) * cin + c
      : (i: number, j: number, c: number, o: number) => ((i * kw + j) * cinG + c) * cout + o;
  const blocks: Matrix[] = [];
  for (let grp = 0; grp < g; grp++) {
    const M = new Matrix(rows, cols);
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++)
        for (let c = 0; c < cinG; c++)
          for (let o = 0; o < coutG; o++) {
            const v = values[at(i, j, c, grp * coutG + o)];
            if (form === 'flat') M.set((i * kw + j) * cinG + c, o, v);
            else M.set(i * cinG + c, j * coutG + o, v);
          }
    blocks.push(M);
  }
  const stored = `[${info.kernelShape.join(',')}]`;
  const what =
    form === 'flat'
      ? kind === 'dense'
        ? 'Cin x Cout'
        : kind === 'grouped'
          ? `${g} blocks of (kh*kw*Cin/g) x (Cout/g)`
          : '(kh*kw*Cin) x Cout'
      : kind === 'grouped'
        ? `${g} blocks of (kh*Cin/g) x (kw*Cout/g)`
        : '(kh*Cin) x (kw*Cout)';
  const swap = kind === 'conv2dTranspose' ? ' (Cout and Cin axes swapped first)' : '';
  return { form, rows, cols, blocks, reshape: `${stored}${swap} -> ${what} = ${rows} x ${cols}` };
}
