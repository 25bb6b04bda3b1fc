import * as tf from '@tensorflow/tfjs';
import { LayerConfigError } from './errors.js';
import { channelsDividedBy, requirePositiveInt, singleInput, singleShape } from './layer-config.js';
import { ConvKernelLayer, type ConvKernelLayerArgs } from './conv-kernel-layer.js';
import {
  groupedConv3x3TrainingOp,
  groupedConvTrainingApplies,
} from './wasm-training/grouped-conv-training.js';

const OP = 'groupedConv2d';

/** 'same' padding of a stride-1 conv along one axis: [before, after] (TF puts the extra one after). */
function samePadding(kernel: number): [number, number] {
  const before = Math.floor((kernel - 1) / 2);
  return [before, kernel - 1 - before];
}

/**
 * Filter gradient of a stride-1 'same' conv, dW[a,b,i,o] = sum_{n,y,x} xpad[n,y+a,x+b,i] dy[n,y,x,o],
 * from forward ops only (WASM has no Conv2DBackpropFilter). A 1x1 kernel is one matMul of an
 * explicitly transposed x: WASM's matMul with a transpose flag is ~20x slower (1x32x32, 192->64:
 * 1.9 ms vs 42 ms). A larger kernel is a conv whose batch is the input channels and whose filter
 * is dy (8x16x16, 64->64, 3x3 on cpu: 290 ms against 17.9 s for the cpu backend's own kernel).
 */
function convFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  return tf.tidy(() => {
    const cin = x.shape[3];
    const cout = dy.shape[3];
    if (kh === 1 && kw === 1) {
      const dw = tf.matMul(tf.transpose(tf.reshape(x, [-1, cin])), tf.reshape(dy, [-1, cout]));
      return tf.reshape(dw, [1, 1, cin, cout]);
    }
    const [top, bottom] = samePadding(kh);
    const [left, right] = samePadding(kw);
    const xPadded = tf.pad(x, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
    const image = tf.transpose(xPadded, [3, 1, 2, 0]) as tf.Tensor4D; // [cin, hp, wp, n]
    const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [h, w, n, cout]
    return tf.transpose(tf.conv2d(image, filter, 1, 'valid'), [1, 2, 0, 3]);
  });
}

/**
 * Input gradient of a stride-1 'same' conv: a forward conv of dy with the kernel flipped and its
 * channel axes swapped (padding mirrored). WASM's own Conv2DBackpropInput is a plain loop:
 * 1x32x32, 3x3 64->64 took 118 ms there against 8.6 ms for this (1x1 192->64: 19 vs 1.9 ms).
 */
function convInputGrad(dy: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = kernel.shape;
    const flipped = kh === 1 && kw === 1 ? kernel : tf.reverse(kernel, [0, 1]);
    const adjoint = tf.transpose(flipped, [0, 1, 3, 2]) as tf.Tensor4D;
    const [top, bottom] = samePadding(kh);
    const [left, right] = samePadding(kw);
    if (top === bottom && left === right) return tf.conv2d(dy, adjoint, 1, 'same');
    const padded = tf.pad(dy, [
      [0, 0],
      [bottom, top],
      [right, left],
      [0, 0],
    ]);
    return tf.conv2d(padded, adjoint, 1, 'valid');
  });
}

/** Stride-1 'same' conv2d whose gradient is made of fast forward ops on every backend. */
function trainableConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const op = tf.customGrad((input, weights, save) => {
    const xs = input as tf.Tensor4D;
    const ws = weights as tf.Tensor4D;
    (save as tf.GradSaveFunc)([xs, ws]);
    return {
      value: tf.conv2d(xs, ws, 1, 'same'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedW] = saved as tf.Tensor4D[];
        const dy4 = dy as tf.Tensor4D;
        return [
          convInputGrad(dy4, savedW),
          convFilterGrad(savedX, dy4, savedW.shape[0], savedW.shape[1]),
        ];
      },
    };
  });
  return op(x, kernel) as tf.Tensor4D;
}

/**
 * Grouped kernel [kh, kw, Cin/g, Cout] -> the equivalent dense kernel [kh, kw, Cin, Cout], zero
 * outside the diagonal blocks. Built from pads + one concat, so gradients flow back to the
 * grouped kernel.
 */
export function groupedKernelToDense(kernel: tf.Tensor4D, groups: number): tf.Tensor4D {
  return tf.tidy(() => {
    const inPerGroup = kernel.shape[2];
    const cin = inPerGroup * groups;
    const blocks = tf.split(kernel, groups, 3).map((block, j) =>
      tf.pad(block, [
        [0, 0],
        [0, 0],
        [j * inPerGroup, cin - (j + 1) * inPerGroup],
        [0, 0],
      ]),
    );
    return tf.concat(blocks, 3) as tf.Tensor4D;
  });
}

/**
 * Grouped 2-D convolution, stride 1, 'same' padding, NHWC (PyTorch `groups=g`).
 * Output channels [j*Cout/g, (j+1)*Cout/g) read input channels [j*Cin/g, (j+1)*Cin/g).
 *
 * A 1x1 kernel runs as ONE conv with a block-diagonal kernel; a larger one as g sliced convs +
 * concat. Measured on WASM (XNNPACK), 1x32x32, best of 30 interleaved runs: 1x1 192->64 g4
 * block-diagonal 1.2 ms vs sliced 1.4 ms (4x32x32: 4.9 vs 6.5 ms); 3x3 64->64 g4 3.4 vs 1.9 ms,
 * g8 3.7 vs 2.3 ms (4x32x32 g8: 12.6 vs 8.3 ms), forward + gradients 3x3 g8 19.9 vs 8.0 ms
 * (64->512: 311 vs 125 ms). A batched-matMul form was slowest (3.7 ms forward, 1x1).
 *
 * @param kernel [kh, kw, Cin/g, Cout]
 * @param bias optional [Cout]
 */
export function groupedConv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  groups: number,
  bias?: tf.Tensor1D,
): tf.Tensor4D {
  requirePositiveInt(groups, OP, 'groups');
  if (x.rank !== 4)
    throw new LayerConfigError(OP, 'x', `expects NHWC rank 4, got shape [${x.shape.join(', ')}]`);
  const cin = x.shape[3];
  if (kernel.rank !== 4 || kernel.shape[2] * groups !== cin || kernel.shape[3] % groups !== 0)
    throw new LayerConfigError(
      OP,
      'kernel',
      `expects [kh, kw, ${cin}/${groups}, Cout] with Cout divisible by ${groups} for input ` +
        `[${x.shape.join(', ')}], got [${kernel.shape.join(', ')}]`,
    );
  if (bias && (bias.rank !== 1 || bias.shape[0] !== kernel.shape[3]))
    throw new LayerConfigError(
      OP,
      'bias',
      `expects [${kernel.shape[3]}], got [${bias.shape.join(', ')}]`,
    );
  // Training on wasm with registerWasmSimdTrainingKernels(): a 3x3 grouped conv is one op with
  // its own gradient (wasm-training/grouped-conv-training.ts).
  if (groupedConvTrainingApplies(x, kernel))
    return groupedConv3x3TrainingOp(x, kernel, groups, bias);
  return tf.tidy(() => {
    let y: tf.Tensor4D;
    if (groups === 1) y = trainableConv2d(x, kernel);
    else if (kernel.shape[0] === 1 && kernel.shape[1] === 1)
      y = trainableConv2d(x, groupedKernelToDense(kernel, groups));
    else {
      const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
      const ks = tf.split(kernel, groups, 3) as tf.Tensor4D[];
      y = tf.concat(
        xs.map((xg, j) => trainableConv2d(xg, ks[j])),
        3,
      ) as tf.Tensor4D;
    }
    return bias ? tf.add(y, bias) : y;
  });
}

/**
 * PyTorch `nn.Conv2d(groups=g)` weight [Cout, Cin/g, kh, kw] -> this package's layout
 * [kh, kw, Cin/g, Cout] (a transpose by (2, 3, 1, 0); the group blocks line up as they are).
 */
export function pytorchGroupedKernelToTf(
  weight: Float32Array,
  shape: readonly [number, number, number, number],
): { values: Float32Array; shape: [number, number, number, number] } {
  const [cout, inPerGroup, kh, kw] = shape;
  if (shape.length !== 4 || weight.length !== cout * inPerGroup * kh * kw)
    throw new LayerConfigError(
      'pytorchGroupedKernelToTf',
      'weight',
      `has ${weight.length} values, shape [${shape.join(', ')}] needs ${cout * inPerGroup * kh * kw}`,
    );
  const values = new Float32Array(weight.length);
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < inPerGroup; i++)
      for (let a = 0; a < kh; a++)
        for (let b = 0; b < kw; b++)
          values[((a * kw + b) * inPerGroup + i) * cout + o] =
            weight[((o * inPerGroup + i) * kh + a) * kw + b];
  return { values, shape: [kh, kw, inPerGroup, cout] };
}

export interface GroupedConv2DArgs extends ConvKernelLayerArgs {
  /** Output channels; must be divisible by `groups`. */
  filters: number;
  /** Number of groups; must divide the input and output widths. */
  groups: number;
}

/**
 * Grouped conv layer (stride 1, 'same'). Weights `kernel` [k, k, Cin/g, filters], `bias` [filters].
 * Load a PyTorch `groups=g` conv with `pytorchGroupedKernelToTf`.
 */
export class GroupedConv2D extends ConvKernelLayer {
  static className = 'HsrkitGroupedConv2D';
  readonly filters: number;
  readonly groups: number;

  constructor(args: GroupedConv2DArgs) {
    super(args, { required: 'filters, kernelSize and groups' });
    const cls = this.getClassName();
    this.filters = requirePositiveInt(args.filters, cls, 'filters');
    this.groups = requirePositiveInt(args.groups, cls, 'groups');
    if (this.filters % this.groups !== 0)
      throw new LayerConfigError(
        cls,
        'groups',
        `${this.groups} groups do not divide filters=${this.filters}`,
      );
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const cin = channelsDividedBy(inputShape, this.label, this.groups, 'groups');
    const k = this.kernelSize;
    this.buildKernelAndBias('kernel', [k, k, cin / this.groups, this.filters], this.filters);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape, GroupedConv2D.className);
    return [shape[0], shape[1], shape[2], this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() =>
      groupedConv2d(
        singleInput(inputs),
        this.kernel!.read() as tf.Tensor4D,
        this.groups,
        this.bias?.read() as tf.Tensor1D | undefined,
      ),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, groups: this.groups };
  }
}
tf.serialization.registerClass(GroupedConv2D);

export function groupedConv2D(args: GroupedConv2DArgs): GroupedConv2D {
  return new GroupedConv2D(args);
}
