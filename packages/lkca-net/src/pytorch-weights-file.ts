import { readSafetensors } from '@hsrkit/inference/node';
import type * as tf from '@tensorflow/tfjs';
import { loadPytorchStateDict } from './pytorch-weights.js';

/** Reads a .safetensors PyTorch state dict and loads it into the model (see loadPytorchStateDict). */
export async function loadPytorchWeights(model: tf.LayersModel, path: string): Promise<void> {
  const dict = await readSafetensors(path);
  loadPytorchStateDict(model, dict, path);
}
