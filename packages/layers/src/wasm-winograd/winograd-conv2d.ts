import * as tf from '@tensorflow/tfjs';
import { WasmKernelError } from '../wasm-core/errors.js';
import { requireWasmBackend } from '../wasm-core/wasm-backend.js';
import { WasmKernelScope } from '../wasm-core/kernel-scope.js';
import { replaceWasmKernel } from '../wasm-core/kernel-registry.js';
import * as wasmConv from '../wasm-core/conv-kernels.js';

type TensorInfo = tf.TensorInfo;

// Winograd F(4x4, 3x3) (Lavin & Gray, 2016): a 4x4 output tile of a 3x3 correlation from a 6x6
// input tile with 36 elementwise products instead of 144 multiplies, i.e. 36 matrix products of
// [tiles, Cin] x [Cin, Cout] instead of 9 of [pixels, Cin] x [Cin, Cout]: 4x fewer MACs. Y = A^T
// [(G g G^T) . (B^T d B)] A.
const BT = [
  [4, 0, -5, 0, 1, 0],
  [0, -4, -4, 1, 1, 0],
  [0, 4, -4, -1, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 2, -1, -2, 1, 0],
  [0, 4, 0, -5, 0, 1],
];
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];
const TILE = 4;

export interface WinogradConvOptions {
  /**
   * Smallest Cin x Cout that takes the Winograd path (default 65536, e.g. 64 -> 1024): below it the
   * ~100 small kernel calls of the transforms cost more than the 4x fewer MACs save.
   */
  minChannelProduct?: number;
  /** Transformed filters kept at most (default 16; least recently used dropped first). */
  cacheSize?: number;
}

interface CachedFilter {
  /** G g G^T per tile position k = 6a+b, as a [1, 1, Cin, Cout] pointwise filter. */
  u: TensorInfo[];
  backend: tf.KernelBackend;
}

const DEFAULTS: Required<WinogradConvOptions> = { minChannelProduct: 65536, cacheSize: 16 };
const settings: Required<WinogradConvOptions> = { ...DEFAULTS };
// Keyed by the filter's dataId: a model's weights keep theirs from call to call.
const filters = new Map<object, CachedFilter>();
// Per-channel-count input transforms: 36 depthwise [6, 6, Cin, 1] filters.
const inputTransforms = new Map<string, { k: TensorInfo[]; backend: tf.KernelBackend }>();

/** A float32 tensor of the backend's own (the wasm backend has write(), not makeTensorInfo()). */
function constant(backend: tf.KernelBackend, shape: number[], values: Float32Array): TensorInfo {
  return { dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
}

function disposeAll(ts: TensorInfo[], backend: tf.KernelBackend): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

/** Frees every transformed filter and input transform the Winograd kernels keep on the backend. */
export function clearWinogradCache(): void {
  for (const c of filters.values()) disposeAll(c.u, c.backend);
  filters.clear();
  for (const c of inputTransforms.values()) disposeAll(c.k, c.backend);
  inputTransforms.clear();
}

/** Drops cached filters whose weights were disposed (their dataId left the backend). */
function sweep(backend: tf.KernelBackend): void {
  const storage = (backend as unknown as { dataIdMap?: { has(id: object): boolean } }).dataIdMap;
  if (!storage) return;
  for (const [id, c] of filters)
    if (!storage.has(id)) {
      disposeAll(c.u, c.backend);
      filters.delete(id);
    }
}

function transformedFilter(backend: tf.KernelBackend, filter: TensorInfo): TensorInfo[] {
  const hit = filters.get(filter.dataId);
  if (hit) {
    // Most recently used last.
    filters.delete(filter.dataId);
    filters.set(filter.dataId, hit);
    return hit.u;
  }
  sweep(backend);
  while (filters.size >= settings.cacheSize) {
    const [id, oldest] = filters.entries().next().value as [object, CachedFilter];
    disposeAll(oldest.u, oldest.backend);
    filters.delete(id);
  }
  const [, , cin, cout] = filter.shape;
  const g = backend.readSync(filter.dataId) as Float32Array;
  const n = cin * cout;
  const u: TensorInfo[] = [];
  for (let a = 0; a < 6; a++)
    for (let b = 0; b < 6; b++) {
      const out = new Float32Array(n);
      for (let p = 0; p < 3; p++)
        for (let q = 0; q < 3; q++) {
          const w = G[a][p] * G[b][q];
          if (w === 0) continue;
          const tap = g.subarray((p * 3 + q) * n, (p * 3 + q + 1) * n);
          for (let i = 0; i < n; i++) out[i] += w * tap[i];
        }
      u.push(constant(backend, [1, 1, cin, cout], out));
    }
  filters.set(filter.dataId, { u, backend });
  return u;
}

/** B^T as depthwise filters, per channel count: [6, 1, Cin, 1] along rows and [1, 6, Cin, 1] along columns. */
function inputTransform(
  backend: tf.KernelBackend,
  cin: number,
): { rows: TensorInfo[]; cols: TensorInfo[] } {
  const key = `${cin}`;
  const hit = inputTransforms.get(key);
  if (hit && hit.backend === backend) return { rows: hit.k.slice(0, 6), cols: hit.k.slice(6) };
  if (hit) disposeAll(hit.k, hit.backend);
  const k: TensorInfo[] = [];
  for (const shape of [
    [6, 1, cin, 1],
    [1, 6, cin, 1],
  ])
    for (let a = 0; a < 6; a++) {
      const d = new Float32Array(6 * cin);
      for (let r = 0; r < 6; r++) d.fill(BT[a][r], r * cin, (r + 1) * cin);
      k.push(constant(backend, shape, d));
    }
  inputTransforms.set(key, { k, backend });
  return { rows: k.slice(0, 6), cols: k.slice(6) };
}

/** A^T applied along one axis of six tensors (m[0..5]), giving four: shared sums keep it at 12 ops. */
function outputRows(s: WasmKernelScope, m: TensorInfo[], consts: Record<2 | 4 | 8, TensorInfo>) {
  const add = (a: TensorInfo, b: TensorInfo) => s.run('Add', { a, b });
  const sub = (a: TensorInfo, b: TensorInfo) => s.run('Sub', { a, b });
  const mul = (a: TensorInfo, c: 2 | 4 | 8) => s.run('Multiply', { a, b: consts[c] });
  const s12 = add(m[1], m[2]);
  const d12 = sub(m[1], m[2]);
  const s34 = add(m[3], m[4]);
  const d34 = sub(m[3], m[4]);
  return [
    add(add(m[0], s12), s34),
    add(d12, mul(d34, 2)),
    add(s12, mul(s34, 4)),
    add(add(d12, mul(d34, 8)), m[5]),
  ];
}

/** The conv's geometry when the Winograd path applies to it, else null (the stock kernel runs). */
function winogradInfo(
  x: TensorInfo,
  filter: TensorInfo,
  attrs: wasmConv.ConvAttrs,
): tf.backend_util.Conv2DInfo | null {
  const [kh, kw, cin, cout] = filter.shape;
  if (kh !== 3 || kw !== 3 || cin * cout < settings.minChannelProduct) return null;
  return wasmConv.stride1ConvInfo(x, filter, attrs);
}

/** The 3x3 stride-1 convolution by Winograd F(4x4, 3x3), from wasm kernels. Returns NHWC. */
function winogradConv(call: wasmConv.ConvCall): TensorInfo {
  const { backend, kernelName, x, filter, info, bias } = call;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout } = info;
  const { outHeight: oh, outWidth: ow, padInfo } = info;
  const th = Math.ceil(oh / TILE);
  const tw = Math.ceil(ow / TILE);
  const u = transformedFilter(backend, filter);
  const bt = inputTransform(backend, cin);
  const s = new WasmKernelScope(backend, kernelName);
  try {
    const consts = {
      2: s.adopt(constant(backend, [], new Float32Array([2]))),
      4: s.adopt(constant(backend, [], new Float32Array([4]))),
      8: s.adopt(constant(backend, [], new Float32Array([8]))),
    };
    // Pad so the 6x6 tiles (stride 4) cover every output; extra rows/columns are cropped at the end.
    const xp = s.padOrCrop(
      x,
      [padInfo.top, TILE * th + 2 - h - padInfo.top],
      [padInfo.left, TILE * tw + 2 - w - padInfo.left],
    );
    // V_ab = B^T d B per tile position, separably: B^T down the rows of every tile (a depthwise
    // 6x1 conv, stride 4 down), then across the columns (1x6, stride 4 across). M_ab = V_ab U_ab
    // (a 1x1 conv). The bias rides on M_11: A^T's column 1 is all ones, so it reaches every output.
    const dw = (x: TensorInfo, filter: TensorInfo, strides: [number, number]) =>
      s.run(
        'DepthwiseConv2dNative',
        { x, filter },
        { strides, pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
      );
    const pointwise = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] };
    const m: TensorInfo[] = [];
    for (let a = 0; a < 6; a++) {
      const p = dw(xp, bt.rows[a], [TILE, 1]);
      for (let b = 0; b < 6; b++) {
        const v = dw(p, bt.cols[b], [1, TILE]);
        const k = 6 * a + b;
        m.push(
          bias && k === 7
            ? s.runStock(
                'FusedConv2D',
                { x: v, filter: u[k], bias },
                { ...pointwise, activation: 'linear' },
              )
            : s.runStock('Conv2D', { x: v, filter: u[k] }, pointwise),
        );
      }
    }
    // Y = A^T M A: along b within each row a, then along a.
    const z = Array.from({ length: 6 }, (_, a) => outputRows(s, m.slice(6 * a, 6 * a + 6), consts));
    const y = Array.from({ length: TILE }, (_, j) =>
      outputRows(
        s,
        z.map((row) => row[j]),
        consts,
      ),
    ); // y[j][i]: output pixel (4 t_row + i, 4 t_col + j) of every tile, [n, th, tw, cout]
    // Concat takes its inputs as a list.
    const concat = (ts: TensorInfo[], axis: number) =>
      s.run('Concat', ts as unknown as Record<string, TensorInfo>, { axis });
    // Interleave without a transpose: j next to the tile column, then i next to the tile row.
    const rows = Array.from({ length: TILE }, (_, i) =>
      concat(
        y.map((yj) => s.reshape(yj[i], [n, th, tw, 1, cout])),
        3,
      ),
    ); // rows[i]: [n, th, tw, 4, cout]
    const full = concat(
      rows.map((r) => s.reshape(r, [n, th, 1, tw * TILE, cout])),
      2,
    ); // [n, th, 4, 4 tw, cout]
    let out = s.reshape(full, [n, th * TILE, tw * TILE, cout]);
    if (th * TILE !== oh || tw * TILE !== ow)
      out = s.run('Slice', { x: out }, { begin: [0, 0, 0, 0], size: [n, oh, ow, cout] });
    return s.keep(out);
  } finally {
    s.dispose();
  }
}

const winogradKernels = wasmConv.convKernelPair(winogradInfo, winogradConv);

/** Conv2D on wasm: Winograd where it pays, else the stock XNNPACK kernel. */
export const winogradConv2DWasm: tf.KernelFunc = winogradKernels.conv2D;

/** FusedConv2D on wasm (bias, no activation): Winograd where it pays, else the stock kernel. */
export const winogradFusedConv2DWasm: tf.KernelFunc = winogradKernels.fusedConv2D;

/**
 * Makes the wasm backend run wide 3x3 stride-1 convolutions (Conv2D and FusedConv2D without an
 * activation, Cin x Cout >= `minChannelProduct`) by Winograd F(4x4, 3x3): 4x fewer MACs, the
 * same result to float32 rounding (relative error ~1e-6). Others run the stock kernels. Meant
 * for inference: each filter is transformed once and cached by its tensor (a weight that changes
 * every step, as in training, is transformed again each time). restoreStockWasmKernels() undoes
 * it; clearWinogradCache() frees the cached filters.
 * @deprecated registerWasmSimdKernels() runs the same Winograd (and 1x1 convs) in this package's own
 * WebAssembly SIMD kernels, 2-4x faster; this one, built from XNNPACK kernels, stays for
 * compatibility.
 */
export function registerWasmWinogradConv(options: WinogradConvOptions = {}): void {
  requireWasmBackend('registerWasmWinogradConv');
  const next = { ...DEFAULTS };
  for (const [key, v] of Object.entries(options)) {
    if (v === undefined) continue;
    if (!(key in DEFAULTS) || !Number.isInteger(v) || (v as number) < 1)
      throw new WasmKernelError(
        'registerWasmWinogradConv',
        `${key} must be a positive integer, got ${v}`,
      );
    next[key as keyof WinogradConvOptions] = v as number;
  }
  // Each call sets every option (unset ones back to their defaults).
  Object.assign(settings, next);
  replaceWasmKernel(tf.Conv2D, winogradConv2DWasm);
  replaceWasmKernel(tf.FusedConv2D, winogradFusedConv2DWasm);
}
