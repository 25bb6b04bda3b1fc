// The per-backend cost model that picks how the resize runs, in multiply-adds per column of
// the [inLen, M] operand (see axis-plan.ts): a copied element (slice, concat, transpose) costs
// about COPY_COST multiply-adds, a kernel launch kernelCost(): small on the JS cpu backend,
// large on a GPU where one launch could have done millions of them.
import * as tf from '@tensorflow/tfjs';

export const COPY_COST = 4;

export function kernelCost(): number {
  const backend = tf.getBackend();
  return backend === 'cpu' ? 20_000 : backend === 'wasm' ? 200_000 : 10_000_000;
}

// Polyphase cost, in the multiply-adds of chooseTileOut. WASM: its depthwise kernel did about
// 1/15 of its matMul's multiply-adds per second on these shapes (x4 of 128x128x128: rows 42 M
// in 0.19 s; x1/4 cols 33 M in 0.2 s; matMul ~3 G/s on the same loaded machine), and a copy
// (mirrorPad, transpose) cost about 8 of them per element; its gather walks element by element
// (~50x a copy). The JS cpu backend's depthwise kernel is slower still against its matMul
// (x4 of 128x128x128: 17.8 s against 6.2 s for the tiled matMuls): there the conv never pays.
// WebGPU runs a depthwise multiply-add about as fast as a matMul one.
export function polyphaseRates(): { mac: number; copy: number; gather: number } {
  const backend = tf.getBackend();
  if (backend === 'wasm') return { mac: 15, copy: 8, gather: 400 };
  if (backend === 'cpu') return { mac: 100, copy: COPY_COST, gather: COPY_COST };
  return { mac: 1, copy: COPY_COST, gather: COPY_COST };
}
