// Runs in headless chromium (see src/browser.test.ts): LKCA-Net from HTTP on WebGPU, then an
// IndexedDB save/load round trip. Results go to window.__result for the test to read.
import '@tensorflow/tfjs-backend-webgpu';
// Registers the custom layer classes, so saved models that use them load.
import '@hsrkit/layers';
import * as tf from '@tensorflow/tfjs';
import { selectRuntime } from '../../src/browser.js';

declare global {
  interface Window {
    __result?: unknown;
    __error?: string;
  }
}

async function main() {
  const info = await selectRuntime('webgpu');
  const { shape, values } = await (await fetch('/input.json')).json();
  const model = await tf.loadLayersModel('/model/model.json');
  const x = tf.tensor4d(values, shape);
  const y = model.predict(x) as tf.Tensor;
  const out = Array.from(await y.data());
  await model.save('indexeddb://hsrkit-lkca-test');
  const back = await tf.loadLayersModel('indexeddb://hsrkit-lkca-test');
  const y2 = back.predict(x) as tf.Tensor;
  const out2 = Array.from(await y2.data());
  tf.dispose([x, y, y2]);
  window.__result = { backend: tf.getBackend(), device: info.device, shape: y.shape, out, out2 };
}
main().catch((e) => {
  window.__error = String(e?.stack ?? e);
});
