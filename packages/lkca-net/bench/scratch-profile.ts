import { registerWasmTrainingKernels } from '@hsrkit/layers';
import * as tf from '@tensorflow/tfjs';
import { lkcaNet } from '../src/model.js';
import { selectRuntime } from '../src/runtime.js';
await selectRuntime('wasm');
registerWasmTrainingKernels({ replaceSlowKernels: true });
const bands = Number(process.env.BANDS ?? 31);
const model = lkcaNet({ bands, scale: 4, blocks: 4, upsampler: (process.env.UP ?? 'svd') as 'svd' });
const lr = tf.randomUniform([8, 16, 16, bands]);
const hr = tf.randomUniform([8, 64, 64, bands]);
const opt = tf.train.adam(1e-4);
const step = () => { const l = opt.minimize(() => tf.mean(tf.abs(tf.sub(model.apply(lr, { training: true }) as tf.Tensor, hr))) as tf.Scalar, true); l?.dispose(); };
step();
const info = await tf.profile(step);
const by = new Map<string, { ms: number; n: number; shapes: string }>();
for (const k of info.kernels) {
  const e = by.get(k.name) ?? { ms: 0, n: 0, shapes: '' };
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  e.ms += ms; e.n++;
  if (ms > 20) e.shapes += ` [${k.inputShapes.map((s) => s?.join('x')).join(', ')}]=${ms.toFixed(0)}`;
  by.set(k.name, e);
}
const rows = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
let total = 0; for (const [, e] of by) total += e.ms;
console.log('total kernel ms', total.toFixed(0));
for (const [name, e] of rows) console.log(name.padEnd(36), e.ms.toFixed(1).padStart(9), String(e.n).padStart(5), e.shapes.slice(0, 400));
