import * as tf from '@tensorflow/tfjs';
import { LKB_DENSE_INPUTS, type LkbActivation, lkbBlockArgs } from '../wasm-simd/lkb-args.js';
import { countCall, type Scope, trainingState, withArena } from './training-state.js';

type TensorInfo = tf.TensorInfo;

/** Kernel names of a whole LargeKernelBlock's forward (keeping what its gradient needs) and gradient. */
export const LKB_TRAIN_FORWARD = 'HsrkitLkbTrainForward';
export const LKB_TRAIN_BACKWARD = 'HsrkitLkbTrainBackward';

export type LkbTrainActivation = LkbActivation;

export interface LkbTrainAttrs {
  dilations: number[];
  kernelSize: number;
  fusionGroups: number;
  activation: LkbTrainActivation;
}

/** The weights' input names, in the order the gradient kernel returns their gradients. */
export function lkbWeightNames(stagesMinusOne: number): string[] {
  const names: string[] = [];
  for (let t = 1; t <= stagesMinusOne; t++) names.push(`dw${t}_kernel`, `dw${t}_bias`);
  names.push(
    'fuse_kernel',
    'fuse_bias',
    'ca_down_kernel',
    'ca_down_bias',
    'ca_up_kernel',
    'ca_up_bias',
  );
  return names;
}

const sizeOf = (t: TensorInfo) => tf.util.sizeFromShape(t.shape);

/**
 * A call's inputs by name, the block's attributes and sizes (from the input named `image`), and
 * the module state (counted as a call of `kernel`).
 */
function blockOf(
  kernel: string,
  { inputs, attrs, backend }: Parameters<tf.KernelFunc>[0],
  image: string,
) {
  const a = attrs as unknown as LkbTrainAttrs;
  const named = inputs as Record<string, TensorInfo>;
  const st = trainingState()!;
  countCall(kernel);
  const [n, h, w, C] = named[image].shape;
  return {
    ...a,
    backend: backend as tf.KernelBackend,
    named,
    k: a.kernelSize,
    groups: a.fusionGroups,
    st,
    ex: st.mod.ex,
    n,
    h,
    w,
    C,
    stages: a.dilations.length + 1,
    hid: named.ca_down_kernel.shape[1],
  };
}

/** The dilations, and every stage's `dw{t}_${part}` one after the other, in the module. */
function putStages(
  s: Scope,
  backend: tf.KernelBackend,
  named: Record<string, TensorInfo>,
  dilations: number[],
  part: 'kernel' | 'bias',
) {
  const { arena } = trainingState()!.mod;
  const dilAt = s.take(Math.max(1, dilations.length));
  arena.i32(dilAt, dilations.length).set(dilations);
  const per = sizeOf(named[`dw1_${part}`] ?? named.fuse_bias);
  const at = s.take(Math.max(1, dilations.length) * per);
  dilations.forEach((_, i) => {
    arena
      .f32(at + 4 * i * per, per)
      .set(arena.f32(s.copyIn(backend, named[`dw${i + 1}_${part}`]), per));
  });
  return { dilAt, at };
}

/**
 * Forward kernel: inputs x and the block's weights (lkbWeightNames); outputs [out, S, Z, F,
 * stats]: the block's output and, for the gradient, its stages (group-major), pre-activation,
 * activation and per image [mean | gate | hidden].
 */
export const lkbTrainForward: tf.KernelFunc = (args) => {
  const b = blockOf(LKB_TRAIN_FORWARD, args, 'x');
  const { backend, named, n, h, w, C, stages, groups, hid, dilations, st, ex } = b;
  const hidP = Math.ceil(hid / 4) * 4;
  const P = h * w;
  return withArena((s) => {
    const xAt = s.copyIn(backend, named.x);
    const { dilAt, at: dwKAt } = putStages(s, backend, named, dilations, 'kernel');
    const dwBAt = putStages(s, backend, named, dilations, 'bias').at;
    const fuse = named.fuse_kernel;
    const rawAt = s.copyIn(backend, fuse);
    const uAt = s.take((Math.ceil(C / 8) * 8 * sizeOf(fuse)) / C);
    ex.lkb_pack_fuse(rawAt, uAt, C, stages, groups);
    const dense = Object.fromEntries(
      LKB_DENSE_INPUTS.map((name) => [name, s.copyIn(backend, named[name])]),
    );
    const weights = { dilations: dilAt, dwKernel: dwKAt, dwBias: dwBAt, fuse: uAt, dense };
    const outAt = s.take(n * P * C);
    const sAt = s.take(n * P * stages * C);
    const zAt = s.take(n * P * C);
    const fAt = s.take(n * P * C);
    const statsAt = s.take(n * (2 * C + hidP));
    ex.lkt_forward(
      xAt,
      n,
      h,
      w,
      ...lkbBlockArgs(b, weights),
      outAt,
      sAt,
      zAt,
      fAt,
      statsAt,
      st.threads,
    );
    return [
      s.out(backend, outAt, [n, h, w, C]),
      s.out(backend, sAt, [n, P, stages * C]),
      s.out(backend, zAt, [n, P, C]),
      s.out(backend, fAt, [n, P, C]),
      s.out(backend, statsAt, [n, 2 * C + hidP]),
    ];
  });
};

/**
 * Gradient kernel: inputs dy, the forward's S, Z, F, stats and the weights; outputs [dx, then the
 * gradient of each weight in lkbWeightNames order].
 */
export const lkbTrainBackward: tf.KernelFunc = (args) => {
  const b = blockOf(LKB_TRAIN_BACKWARD, args, 'dy');
  const { backend, named, n, h, w, C, stages, k, groups, hid, dilations, st, ex } = b;
  return withArena((s) => {
    const dyAt = s.copyIn(backend, named.dy);
    const sAt = s.copyIn(backend, named.S);
    const zAt = s.copyIn(backend, named.Z);
    const fAt = s.copyIn(backend, named.F);
    const statsAt = s.copyIn(backend, named.stats);
    const { dilAt, at: dwKAt } = putStages(s, backend, named, dilations, 'kernel');
    const fuseKAt = s.copyIn(backend, named.fuse_kernel);
    const dense = {
      ca_down_kernel: s.copyIn(backend, named.ca_down_kernel),
      ca_up_kernel: s.copyIn(backend, named.ca_up_kernel),
    };
    const weights = { dilations: dilAt, dwKernel: dwKAt, fuse: fuseKAt, dense };
    const slot = ex.lkt_slot_size(C, stages, k, hid, groups);
    const per = ex.lkt_backward_scratch(n, h, w, C, stages, k, hid, groups);
    const dxAt = s.take(n * h * w * C);
    const gradsAt = s.take(slot);
    const scratchAt = s.take(per * st.threads);
    const slotsAt = s.take(n * slot);
    const wtAt = s.take(sizeOf(named.fuse_kernel));
    ex.lkt_backward(
      dyAt,
      n,
      h,
      w,
      ...lkbBlockArgs(b, weights, true),
      sAt,
      zAt,
      fAt,
      statsAt,
      dxAt,
      gradsAt,
      scratchAt,
      per,
      slotsAt,
      wtAt,
      st.threads,
    );
    // The slot's layout: fuseK | fuseB | downK | downB | upK | upB | dwK (all stages) | dwB.
    const kg = sizeOf(named.fuse_kernel);
    const offsets: Record<string, number> = {};
    let at = 0;
    for (const [name, size] of [
      ['fuse_kernel', kg],
      ['fuse_bias', C],
      ['ca_down_kernel', C * hid],
      ['ca_down_bias', hid],
      ['ca_up_kernel', hid * C],
      ['ca_up_bias', C],
    ] as const) {
      offsets[name] = at;
      at += size;
    }
    dilations.forEach((_, i) => {
      offsets[`dw${i + 1}_kernel`] = at + i * k * k * C;
    });
    at += dilations.length * k * k * C;
    dilations.forEach((_, i) => {
      offsets[`dw${i + 1}_bias`] = at + i * C;
    });
    return [
      s.out(backend, dxAt, [n, h, w, C]),
      ...lkbWeightNames(dilations.length).map((name) =>
        s.out(backend, gradsAt + 4 * offsets[name], named[name].shape),
      ),
    ];
  });
};

/**
 * Whether a LargeKernelBlock call is trained by these kernels: registered on the active backend
 * (registerWasmSimdTrainingKernels), gradients being recorded, float32, and a block lkb.h takes
 * (C / fusionGroups a multiple of 8).
 */
export function lkbTrainingApplies(x: tf.Tensor, fusionGroups: number): boolean {
  const c = x.shape[3] as number;
  return (
    tf.engine().isTapeOn() &&
    x.dtype === 'float32' &&
    trainingState() !== null &&
    tf.getKernel(LKB_TRAIN_FORWARD, tf.getBackend()) !== undefined &&
    c % fusionGroups === 0 &&
    (c / fusionGroups) % 8 === 0
  );
}

/**
 * A LargeKernelBlock as one op with its own gradient (the two kernels above): what the layer runs
 * when lkbTrainingApplies. `weights` by the names of lkbWeightNames.
 */
export function largeKernelBlockTrainingOp(
  x: tf.Tensor4D,
  weights: Record<string, tf.Tensor>,
  attrs: LkbTrainAttrs,
): tf.Tensor4D {
  const names = lkbWeightNames(attrs.dilations.length);
  const a = attrs as unknown as tf.NamedAttrMap;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const tensors = args as tf.Tensor[];
    const inputs: Record<string, tf.Tensor> = { x: tensors[0] };
    names.forEach((name, i) => {
      inputs[name] = tensors[i + 1];
    });
    const [out, S, Z, F, stats] = tf
      .engine()
      .runKernel(LKB_TRAIN_FORWARD, inputs, a) as tf.Tensor[];
    save([S, Z, F, stats, ...tensors.slice(1)]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [s, z, f, st, ...ws] = saved;
        const grads: Record<string, tf.Tensor> = {
          dy: dy as tf.Tensor,
          S: s,
          Z: z,
          F: f,
          stats: st,
        };
        names.forEach((name, i) => {
          grads[name] = ws[i];
        });
        return tf.engine().runKernel(LKB_TRAIN_BACKWARD, grads, a) as tf.Tensor[];
      },
    };
  });
  return op(x, ...names.map((name) => weights[name])) as tf.Tensor4D;
}
