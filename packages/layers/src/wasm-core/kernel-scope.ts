import * as tf from '@tensorflow/tfjs';
import { WasmKernelError } from './errors.js';
import { stockWasmKernel } from './kernel-registry.js';

type TensorInfo = tf.TensorInfo;
export type Pads2 = [number, number];

/**
 * Runs the wasm backend's own registered kernels from inside another kernel, the way the wasm
 * backend composes its kernels: kernelFunc called directly (no engine, no tape), each result
 * owned here and freed on dispose() unless kept. Only the kept output survives a kernel.
 */
export class WasmKernelScope {
  private readonly owned: TensorInfo[] = [];

  constructor(
    private readonly backend: tf.KernelBackend,
    private readonly caller: string,
  ) {}

  run(
    kernelName: string,
    inputs: Record<string, TensorInfo>,
    attrs: Record<string, unknown> = {},
  ): TensorInfo {
    const config = tf.getKernel(kernelName, 'wasm');
    if (config === undefined)
      throw new WasmKernelError(
        this.caller,
        `the wasm backend has no '${kernelName}' kernel to build on`,
      );
    const out = config.kernelFunc({
      inputs,
      backend: this.backend,
      attrs: attrs as tf.NamedAttrMap,
    });
    if (Array.isArray(out))
      throw new WasmKernelError(this.caller, `'${kernelName}' returned several outputs`);
    this.owned.push(out);
    return out;
  }

  /** Like run(), but always the stock wasm kernel, even where a stand-in replaced it. */
  runStock(
    kernelName: string,
    inputs: Record<string, TensorInfo>,
    attrs: Record<string, unknown> = {},
  ): TensorInfo {
    const kernelFunc = stockWasmKernel(kernelName);
    if (kernelFunc === undefined)
      throw new WasmKernelError(
        this.caller,
        `the wasm backend has no '${kernelName}' kernel to build on`,
      );
    const out = kernelFunc({ inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap });
    if (Array.isArray(out))
      throw new WasmKernelError(this.caller, `'${kernelName}' returned several outputs`);
    return this.adopt(out);
  }

  /** Puts a tensor made outside run() (e.g. by a stock kernel called directly) in this scope's care. */
  adopt(t: TensorInfo): TensorInfo {
    this.owned.push(t);
    return t;
  }

  /** Takes t out of this scope's care: the caller now owns it (the kernel's output). */
  keep(t: TensorInfo): TensorInfo {
    const i = this.owned.indexOf(t);
    if (i >= 0) this.owned.splice(i, 1);
    return t;
  }

  dispose(): void {
    for (const t of this.owned) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** x viewed as a [rows, cols] matrix, transposed to [cols, rows]. */
  transposed(x: TensorInfo, rows: number, cols: number): TensorInfo {
    return this.transpose(this.reshape(x, [rows, cols]), [1, 0]);
  }

  /**
   * The product of a viewed as [m, kk] and b viewed as [kk, n], by the stock BatchMatMul without
   * transposes (with one, XNNPACK has no GEMM here and runs ~20x slower: transpose explicitly).
   */
  matMul(a: TensorInfo, b: TensorInfo, [m, kk, n]: [number, number, number]): TensorInfo {
    const product = this.runStock(
      'BatchMatMul',
      { a: this.reshape(a, [1, m, kk]), b: this.reshape(b, [1, kk, n]) },
      { transposeA: false, transposeB: false },
    );
    return this.reshape(product, [m, n]);
  }

  sum(x: TensorInfo, axis: number[]): TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }

  /** Puts sh-1 zero rows after every row and sw-1 zero columns after every column (NHWC). */
  interleaveZeros(x: TensorInfo, sh: number, sw: number): TensorInfo {
    if (sh === 1 && sw === 1) return x;
    const [n, h, w, c] = x.shape;
    const split = this.reshape(x, [n, h, 1, w, 1, c]);
    const padded = this.run(
      'PadV2',
      { x: split },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    return this.reshape(padded, [n, h * sh, w * sw, c]);
  }

  /**
   * Pads (positive amounts) or crops (negative amounts) axes 1 and 2 of a rank-4 tensor, so a
   * following 'valid' convolution sees exactly the rows and columns it needs.
   */
  padOrCrop(x: TensorInfo, rows: Pads2, cols: Pads2): TensorInfo {
    const [n, h, w, c] = x.shape;
    let t = x;
    if (rows[0] < 0 || rows[1] < 0 || cols[0] < 0 || cols[1] < 0) {
      const top = Math.max(0, -rows[0]);
      const left = Math.max(0, -cols[0]);
      const height = h - top - Math.max(0, -rows[1]);
      const width = w - left - Math.max(0, -cols[1]);
      if (height <= 0 || width <= 0)
        throw new WasmKernelError(this.caller, `padding crops away the whole ${h}x${w} input`);
      t = this.run('Slice', { x: t }, { begin: [0, top, left, 0], size: [n, height, width, c] });
    }
    const pads = [
      Math.max(0, rows[0]),
      Math.max(0, rows[1]),
      Math.max(0, cols[0]),
      Math.max(0, cols[1]),
    ];
    if (pads.some((p) => p > 0)) {
      t = this.run(
        'PadV2',
        { x: t },
        {
          paddings: [
            [0, 0],
            [pads[0], pads[1]],
            [pads[2], pads[3]],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
    }
    return t;
  }
}

/** Runs body with a fresh scope; only the tensor body returns survives. */
export function withWasmKernelScope(
  backend: tf.KernelBackend,
  caller: string,
  body: (scope: WasmKernelScope) => TensorInfo,
): TensorInfo {
  const scope = new WasmKernelScope(backend, caller);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}

/** A 1x1, stride-1, unpadded conv: its gradients are plain matrix products over all pixels. */
export function isPointwise(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight === info.inHeight &&
    info.outWidth === info.inWidth
  );
}
