import type * as tf from '@tensorflow/tfjs';
import { type SimdArena as Arena, wasmTensorData } from '../wasm-core/simd-module.js';
import type { SimdExports } from './kernels-module.js';
import { LKB_DENSE_INPUTS, type LkbActivation, lkbBlockArgs } from './lkb-args.js';

type SimdArena = Arena<SimdExports>;

/** The TF.js kernel name of a whole Large Kernel Block (registered for wasm by registerWasmSimdKernels). */
export const LKB_KERNEL = 'HsrkitLargeKernelBlock';

/** Whether kernels.c's lkb_forward takes a block of C channels in `groups` fusion groups. */
export function lkbKernelApplies(channels: number, groups: number): boolean {
  return channels % groups === 0 && (channels / groups) % 8 === 0;
}

type TensorInfo = tf.TensorInfo;

/**
 * The LKB kernel over kernels.c's lkb_forward: inputs `x`, `dw{t}_kernel`/`dw{t}_bias`,
 * `fuse_kernel`, `fuse_bias`, `ca_down_kernel`, `ca_down_bias`, `ca_up_kernel`, `ca_up_bias`;
 * attrs `dilations`, `kernelSize`, `fusionGroups`, `activation`. Same numbers as the layer's TF.js
 * ops to float32 rounding (erf by the same Abramowitz-Stegun form TF.js uses).
 */
export function lkbKernel(memOf: () => SimdArena): tf.KernelFunc {
  // Packed fusion kernels by the weight's dataId (dropped with the weight).
  const packed = new WeakMap<object, Float32Array>();
  return ({ inputs, attrs, backend: kb }) => {
    const backend = kb as tf.KernelBackend;
    const mem = memOf();
    const ex = mem.ex;
    const named = inputs as Record<string, TensorInfo>;
    const {
      dilations,
      kernelSize: k,
      fusionGroups: groups,
      activation,
    } = attrs as unknown as {
      dilations: number[];
      kernelSize: number;
      fusionGroups: number;
      activation: LkbActivation;
    };
    const x = named.x;
    const [n, h, w, C] = x.shape;
    const stages = dilations.length + 1;
    const hid = named.ca_down_kernel.shape[1];
    const read = (t: TensorInfo) =>
      wasmTensorData(
        backend,
        t,
        t.shape.reduce((p, q) => p * q, 1),
      );
    const mark = mem.mark;
    try {
      const fuse = named.fuse_kernel;
      let u = packed.get(fuse.dataId);
      const Kg = (stages * C) / groups;
      const panels = Math.ceil(C / 8);
      if (!u) {
        const at = mem.take(4 * panels * Kg * 8);
        const raw = mem.take(4 * Kg * C);
        mem.f32(raw, Kg * C).set(read(fuse));
        ex.lkb_pack_fuse(raw, at, C, stages, groups);
        u = mem.f32(at, panels * Kg * 8).slice();
        packed.set(fuse.dataId, u);
        mem.reset(mark);
      }
      const put = (values: Float32Array) => {
        const at = mem.take(4 * values.length);
        mem.f32(at, values.length).set(values);
        return at;
      };
      const uAt = put(u);
      const dilAt = mem.take(4 * Math.max(1, dilations.length));
      mem.i32(dilAt, dilations.length).set(dilations);
      const dwKAt = mem.take(4 * Math.max(1, dilations.length) * k * k * C);
      const dwBAt = mem.take(4 * Math.max(1, dilations.length) * C);
      dilations.forEach((_, i) => {
        mem.f32(dwKAt + 4 * i * k * k * C, k * k * C).set(read(named[`dw${i + 1}_kernel`]));
        mem.f32(dwBAt + 4 * i * C, C).set(read(named[`dw${i + 1}_bias`]));
      });
      const dense = Object.fromEntries(
        LKB_DENSE_INPUTS.map((name) => [name, put(read(named[name]))]),
      );
      const block = { C, stages, k, groups, activation, hid };
      const weights = { dilations: dilAt, dwKernel: dwKAt, dwBias: dwBAt, fuse: uAt, dense };
      const pixels = h * w;
      const xAt = mem.take(4 * pixels * C);
      const outAt = mem.take(4 * n * pixels * C);
      const sAt = mem.take(4 * pixels * stages * C);
      const fAt = mem.take(4 * pixels * C);
      const pooledAt = mem.take(4 * C);
      const hiddenAt = mem.take(4 * Math.max(1, hid));
      const input = read(x);
      for (let b = 0; b < n; b++) {
        mem.f32(xAt, pixels * C).set(input.subarray(b * pixels * C, (b + 1) * pixels * C));
        ex.lkb_forward(
          xAt,
          h,
          w,
          ...lkbBlockArgs(block, weights),
          outAt + 4 * b * pixels * C,
          sAt,
          fAt,
          pooledAt,
          hiddenAt,
        );
      }
      const shape = [n, h, w, C];
      // write() copies into the backend's heap at once.
      return {
        dataId: backend.write(mem.f32(outAt, n * pixels * C), shape, 'float32'),
        shape,
        dtype: 'float32',
      };
    } finally {
      mem.reset(mark);
    }
  };
}
