import type * as tf from '@tensorflow/tfjs';
import { describeKernelLayer, layerMacs } from '@hsrkit/lowrank';

export interface LayerCost {
  name: string;
  className: string;
  params: number;
  /** Multiply-accumulates for one input of the given size. */
  macs: number;
}

export interface ModelCost {
  params: number;
  /** MACs of the learned layers (convs, dense, LKB internals): the paper's convention. */
  macs: number;
  /** MACs of fixed ops (the bicubic skip's two matMuls), reported apart. */
  fixedMacs: number;
  layers: LayerCost[];
}

function shapeOf(layer: tf.layers.Layer): number[] {
  // Input layers have no inbound shape; multi-input layers (Add) report one per input.
  if (layer.getClassName() === 'InputLayer' || !layer.inboundNodes.length) return [];
  const shape = (layer.inboundNodes[0] as unknown as { inputShapes: number[] | number[][] })
    .inputShapes;
  return (Array.isArray(shape[0]) ? shape[0] : shape) as number[];
}

/**
 * Params and MACs of a model for one `[h, w]` input. Kernel layers are costed by @hsrkit/lowrank's
 * per-layer formula; the LKB block and the bicubic skip by their definitions (docs/ARCHITECTURE.md,
 * "The method as built").
 */
export function modelCost(model: tf.LayersModel, size: [number, number]): ModelCost {
  const [h0, w0] = size;
  const inH = (model.inputs[0].shape[1] as number | null) ?? h0;
  // Spatial size at each layer's input: our SR nets keep the LR size until the shuffle; take the
  // ratio from the layer's declared input shape when it is known, else assume the LR size.
  const layers: LayerCost[] = [];
  let macs = 0;
  let fixedMacs = 0;
  for (const layer of model.layers) {
    const params = layer.countParams();
    const inShape = shapeOf(layer).slice(1);
    const factor = inShape[0] && inH ? inShape[0] / inH : 1;
    const hw: [number, number] = [Math.round(h0 * factor), Math.round(w0 * factor)];
    let m = 0;
    const info = describeKernelLayer(layer);
    const cls = layer.getClassName();
    if (info) {
      m = layerMacs(
        info,
        [hw[0], hw[1], inShape[inShape.length - 1]],
        layer.getConfig() as Record<string, unknown>,
      );
    } else if (cls === 'HsrkitLargeKernelBlock') {
      const cfg = layer.getConfig() as {
        kernelSize: number;
        dilations: number[];
        fusionGroups: number;
        reduction: number;
      };
      const c = inShape[inShape.length - 1];
      const t = cfg.dilations.length + 1;
      const hidden = Math.max(1, Math.floor(c / cfg.reduction));
      m =
        hw[0] *
          hw[1] *
          (cfg.dilations.length * cfg.kernelSize * cfg.kernelSize * c +
            ((t * c) / cfg.fusionGroups) * c) +
        2 * c * hidden;
    } else if (cls === 'HsrkitBicubicResize') {
      const cfg = layer.getConfig() as { scale: number | [number, number] };
      const [sy, sx] = Array.isArray(cfg.scale) ? cfg.scale : [cfg.scale, cfg.scale];
      const b = inShape[inShape.length - 1];
      const oh = Math.ceil(hw[0] * sy);
      const ow = Math.ceil(hw[1] * sx);
      fixedMacs += oh * hw[0] * hw[1] * b + ow * hw[1] * oh * b;
    }
    macs += m;
    layers.push({ name: layer.name, className: cls, params, macs: m });
  }
  return { params: model.countParams(), macs, fixedMacs, layers };
}
