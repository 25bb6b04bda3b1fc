import * as tf from '@tensorflow/tfjs';
import { countCall, trainingState, withArena } from './training-state.js';
import { biasGrad, winograd, winogradFilterGrad } from './winograd-calls.js';

type TensorInfo = tf.TensorInfo;

/**
 * Kernel names of a grouped 3x3 stride-1 'same' conv (block-diagonal: GroupedConv2D, the 'group'
 * upsampler) trained as one op: the forward (x, kernel [3][3][cin/g][cout], bias?) and its
 * gradient (dy, x, kernel) -> [dx, dKernel, dBias?], each one call of training-kernels.c's
 * grouped Winograd kernels, instead of g sliced convs, their split/concat and their gradients.
 */
export const GROUPED_CONV_TRAIN_FORWARD = 'HsrkitGroupedConv3x3Train';
export const GROUPED_CONV_TRAIN_BACKWARD = 'HsrkitGroupedConv3x3TrainBackward';

export interface GroupedConvTrainAttrs {
  groups: number;
}

type Shape4 = [number, number, number, number];

/** Forward kernel: inputs x, kernel and optionally bias; output y [n][h][w][cout]. */
export const groupedConvTrainForward: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, kernel, bias } = inputs as { x: TensorInfo; kernel: TensorInfo; bias?: TensorInfo };
  const { groups } = attrs as unknown as GroupedConvTrainAttrs;
  const b = backend as tf.KernelBackend;
  const [n, h, w, cin] = x.shape as Shape4;
  const cout = kernel.shape[3];
  countCall(GROUPED_CONV_TRAIN_FORWARD);
  return withArena((s) => {
    const xAt = s.copyIn(b, x);
    const kAt = s.copyIn(b, kernel);
    const biasAt = bias ? s.copyIn(b, bias) : 0;
    const outAt = s.take(n * h * w * cout);
    winograd(s, xAt, [n, h, w, cin], kAt, cout, false, biasAt, outAt, groups);
    return s.out(b, outAt, [n, h, w, cout]);
  });
};

/** Gradient kernel: inputs dy, x, kernel; outputs [dx, dKernel] and with attr `bias`, dBias. */
export const groupedConvTrainBackward: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, x, kernel } = inputs as { dy: TensorInfo; x: TensorInfo; kernel: TensorInfo };
  const { groups, bias } = attrs as unknown as GroupedConvTrainAttrs & { bias: boolean };
  const b = backend as tf.KernelBackend;
  const [n, h, w, cin] = x.shape as Shape4;
  const cout = kernel.shape[3];
  countCall(GROUPED_CONV_TRAIN_BACKWARD);
  return withArena((s) => {
    const dyAt = s.copyIn(b, dy);
    const xAt = s.copyIn(b, x);
    const kAt = s.copyIn(b, kernel);
    const dxAt = s.take(n * h * w * cin);
    // dx: the conv of dy with the kernel flipped and its channels swapped, group by group.
    winograd(s, dyAt, [n, h, w, cout], kAt, cin, true, 0, dxAt, groups);
    const dkAt = s.take(9 * (cin / groups) * cout);
    winogradFilterGrad(s, xAt, dyAt, [n, h, w, cin], cout, dkAt, groups);
    const out = [s.out(b, dxAt, [n, h, w, cin]), s.out(b, dkAt, kernel.shape)];
    if (bias) {
      const dbAt = s.take(cout);
      biasGrad(s, dyAt, n * h * w, cout, dbAt);
      out.push(s.out(b, dbAt, [cout]));
    }
    return out;
  });
};

/**
 * Whether groupedConv2d trains through these kernels: registered on the active backend
 * (registerWasmSimdTrainingKernels), gradients being recorded, float32, a 3x3 kernel.
 */
export function groupedConvTrainingApplies(x: tf.Tensor, kernel: tf.Tensor): boolean {
  return (
    tf.engine().isTapeOn() &&
    x.dtype === 'float32' &&
    kernel.dtype === 'float32' &&
    kernel.shape[0] === 3 &&
    kernel.shape[1] === 3 &&
    trainingState() !== null &&
    tf.getKernel(GROUPED_CONV_TRAIN_FORWARD, tf.getBackend()) !== undefined
  );
}

/**
 * The grouped 3x3 stride-1 'same' conv (+ bias) as one op with its own gradient (the two kernels
 * above): what groupedConv2d runs when groupedConvTrainingApplies.
 */
export function groupedConv3x3TrainingOp(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  groups: number,
  bias?: tf.Tensor1D,
): tf.Tensor4D {
  const run = (xs: tf.Tensor, ks: tf.Tensor, bs: tf.Tensor | undefined, save: tf.GradSaveFunc) => {
    const inputs: Record<string, tf.Tensor> = { x: xs, kernel: ks };
    if (bs) inputs.bias = bs;
    const y = tf.engine().runKernel(GROUPED_CONV_TRAIN_FORWARD, inputs, { groups }) as tf.Tensor4D;
    save([xs, ks]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf
          .engine()
          .runKernel(
            GROUPED_CONV_TRAIN_BACKWARD,
            { dy: dy as tf.Tensor, x: saved[0], kernel: saved[1] },
            { groups, bias: bs !== undefined },
          ) as tf.Tensor[],
    };
  };
  if (bias) {
    const op = tf.customGrad((xs, ks, bs, save) =>
      run(xs as tf.Tensor, ks as tf.Tensor, bs as tf.Tensor, save as tf.GradSaveFunc),
    );
    return op(x, kernel, bias) as tf.Tensor4D;
  }
  const op = tf.customGrad((xs, ks, save) =>
    run(xs as tf.Tensor, ks as tf.Tensor, undefined, save as tf.GradSaveFunc),
  );
  return op(x, kernel) as tf.Tensor4D;
}
