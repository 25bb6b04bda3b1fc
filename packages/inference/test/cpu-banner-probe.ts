// Run in a fresh process by src/runtime.test.ts: makes tensors on TF.js's cpu backend, either
// straight away ('plain') or after selectRuntime('cpu') ('selected'), and prints what it saw.
import * as tf from '@tensorflow/tfjs';
import { selectRuntime } from '../src/index.js';

if (process.argv[2] === 'selected') await selectRuntime('cpu');
const y = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), 1));
const values = Array.from(await y.data());
y.dispose();
console.log(JSON.stringify({ backend: tf.getBackend(), values, prod: tf.env().getBool('PROD') }));
