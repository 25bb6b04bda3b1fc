import * as tf from '@tensorflow/tfjs';
import { applyChannelAttention } from './channel-attention.js';
import {
  type ChannelAttentionVariables,
  channelAttentionVariables,
  readChannelAttention,
} from './channel-attention-variables.js';
import { dilatedDepthwiseConv2d } from './dilated-depthwise-conv.js';
import { LayerConfigError } from './errors.js';
import { LKB_KERNEL, lkbKernelApplies } from './wasm-simd/lkb-kernel.js';
import {
  largeKernelBlockTrainingOp,
  lkbTrainingApplies,
} from './wasm-training/lkb-training-kernels.js';
import { groupedConv2d, groupedKernelToDense } from './grouped-conv.js';
import { channelsDividedBy, requirePositiveInt, singleInput, singleShape } from './layer-config.js';
import { WeightedLayer, type WeightedLayerArgs } from './weighted-layer.js';

export type LkbActivation = 'gelu' | 'relu' | 'linear';
const ACTIVATIONS: readonly LkbActivation[] = ['gelu', 'relu', 'linear'];

/** GELU in the exact erf form, 0.5 x (1 + erf(x / sqrt 2)) (PyTorch nn.GELU's default). */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}

function activate(x: tf.Tensor, activation: LkbActivation): tf.Tensor {
  if (activation === 'gelu') return geluErf(x);
  if (activation === 'relu') return tf.relu(x);
  return x;
}

export interface LargeKernelBlockArgs extends WeightedLayerArgs {
  /** Side of every depthwise kernel. Default 3. */
  kernelSize?: number;
  /** Dilation of each cascaded depthwise conv, in order (any length >= 1). Default [5, 7]. */
  dilations?: number[];
  /** Groups of the 1x1 fusion conv (n+1)C -> C; must divide C. Default 4. */
  fusionGroups?: number;
  /** Channel-attention squeeze ratio. Default 16. */
  reduction?: number;
  /** Activation after the fusion conv. Default 'gelu' (exact erf form). */
  activation?: LkbActivation;
}

/**
 * LKCA-Net's Large Kernel Block on C channels, with n = dilations.length:
 *   stage_0 = x; stage_t = DW(k, dilations[t-1])(stage_{t-1}) for t = 1..n (cascade)
 *   m[..., (n+1)*c + t] = stage_t[..., c]          channel-interleaved stack, (n+1)C channels
 *   f = act(GroupedConv1x1((n+1)C -> C, fusionGroups)(m)); f = ChannelAttention(f)
 *   return x + f
 * Weights: `dw{t}_kernel` [k, k, C, 1] and `dw{t}_bias` [C] for t = 1..n (dw{t} makes stage_t),
 * `fuse_kernel` [1, 1, (n+1)C/g, C], `fuse_bias` [C], `ca_down_kernel` [C, C/r], `ca_down_bias`,
 * `ca_up_kernel` [C/r, C], `ca_up_bias`. At C = 64 with the defaults: 4996 parameters.
 */
export class LargeKernelBlock extends WeightedLayer {
  static className = 'HsrkitLargeKernelBlock';
  readonly kernelSize: number;
  readonly dilations: number[];
  readonly fusionGroups: number;
  readonly reduction: number;
  readonly activation: LkbActivation;
  private depthwise: { kernel: tf.LayerVariable; bias: tf.LayerVariable }[] = [];
  private fuse?: { kernel: tf.LayerVariable; bias: tf.LayerVariable };
  private attention?: ChannelAttentionVariables;

  constructor(args: LargeKernelBlockArgs = {}) {
    super(args);
    const cls = this.getClassName();
    this.kernelSize = requirePositiveInt(args.kernelSize ?? 3, cls, 'kernelSize');
    const dilations = args.dilations ?? [5, 7];
    if (!Array.isArray(dilations) || dilations.length === 0)
      throw new LayerConfigError(
        cls,
        'dilations',
        `must be a non-empty list, got ${JSON.stringify(dilations)}`,
      );
    this.dilations = dilations.map((d, i) => requirePositiveInt(d, cls, `dilations[${i}]`));
    this.fusionGroups = requirePositiveInt(args.fusionGroups ?? 4, cls, 'fusionGroups');
    this.reduction = requirePositiveInt(args.reduction ?? 16, cls, 'reduction');
    const activation = args.activation ?? 'gelu';
    if (!ACTIVATIONS.includes(activation))
      throw new LayerConfigError(
        cls,
        'activation',
        `must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(activation)}`,
      );
    this.activation = activation;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const c = channelsDividedBy(inputShape, this.label, this.fusionGroups, 'fusionGroups');
    const k = this.kernelSize;
    const make = this.makeWeight;
    this.depthwise = this.dilations.map((_, i) => ({
      kernel: make('kernel', `dw${i + 1}_kernel`, [k, k, c, 1]),
      bias: make('bias', `dw${i + 1}_bias`, [c]),
    }));
    const stacked = (this.dilations.length + 1) * c;
    this.fuse = {
      kernel: make('kernel', 'fuse_kernel', [1, 1, stacked / this.fusionGroups, c]),
      bias: make('bias', 'fuse_bias', [c]),
    };
    this.attention = channelAttentionVariables(make, 'ca_', c, this.reduction);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape, LargeKernelBlock.className).slice();
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const c = x.shape[3];
      // Training on wasm with registerWasmSimdTrainingKernels(): the whole block is one op with
      // its own gradient (wasm-training/lkb-training-kernels.ts).
      const trainFused = lkbTrainingApplies(x, this.fusionGroups);
      // Inference on wasm with registerWasmSimdKernels(): the whole block is one kernel call.
      // Not while gradients are recorded (it has none) and not where it does not apply.
      if (
        trainFused ||
        (!tf.engine().isTapeOn() &&
          x.dtype === 'float32' &&
          tf.getKernel(LKB_KERNEL, tf.getBackend()) !== undefined &&
          lkbKernelApplies(c, this.fusionGroups))
      ) {
        const ca = readChannelAttention(this.attention!);
        const weights: Record<string, tf.Tensor> = {
          fuse_kernel: this.fuse!.kernel.read(),
          fuse_bias: this.fuse!.bias.read(),
          ca_down_kernel: ca.downKernel,
          ca_down_bias: ca.downBias,
          ca_up_kernel: ca.upKernel,
          ca_up_bias: ca.upBias,
        };
        this.depthwise.forEach((dw, i) => {
          weights[`dw${i + 1}_kernel`] = dw.kernel.read();
          weights[`dw${i + 1}_bias`] = dw.bias.read();
        });
        const attrs = {
          dilations: this.dilations,
          kernelSize: this.kernelSize,
          fusionGroups: this.fusionGroups,
          activation: this.activation,
        };
        if (trainFused) return largeKernelBlockTrainingOp(x as tf.Tensor4D, weights, attrs);
        return tf
          .engine()
          .runKernel(
            LKB_KERNEL,
            { x, ...weights },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor;
      }
      const stages: tf.Tensor4D[] = [x];
      this.dilations.forEach((d, i) => {
        const conv = this.depthwise[i];
        const prev = stages[stages.length - 1];
        const out = dilatedDepthwiseConv2d(prev, conv.kernel.read() as tf.Tensor4D, d);
        stages.push(tf.add(out, conv.bias.read()));
      });
      // The spec interleaves the stages (channel (n+1)*c + t) before the grouped 1x1 fusion.
      // tf.stack on a new last axis does that but runs ~65 ms for 3 x 32x32x64 on WASM, so the
      // stages are concatenated plainly (channel t*C + c) and the fusion kernel's rows are
      // permuted to match instead: same numbers, and the data is never shuffled.
      const m = stages.length;
      const stacked = tf.concat(stages, 3) as tf.Tensor4D;
      const dense = groupedKernelToDense(
        this.fuse!.kernel.read() as tf.Tensor4D,
        this.fusionGroups,
      );
      const rowsByStage = tf.reshape(tf.transpose(tf.reshape(dense, [c, m, c]), [1, 0, 2]), [
        1,
        1,
        m * c,
        c,
      ]) as tf.Tensor4D;
      const fused = groupedConv2d(stacked, rowsByStage, 1, this.fuse!.bias.read() as tf.Tensor1D);
      const attended = applyChannelAttention(
        activate(fused, this.activation) as tf.Tensor4D,
        readChannelAttention(this.attention!),
      );
      return tf.add(x, attended);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { kernelSize, fusionGroups, reduction, activation } = this;
    const dilations = [...this.dilations];
    return { ...super.getConfig(), kernelSize, dilations, fusionGroups, reduction, activation };
  }
}
tf.serialization.registerClass(LargeKernelBlock);

export function largeKernelBlock(args: LargeKernelBlockArgs = {}): LargeKernelBlock {
  return new LargeKernelBlock(args);
}
