// Child process of the kill test: trains with checkpoints, then stops making progress at a given
// step (after a checkpoint) so the parent can SIGKILL it mid-run.
// Usage: tsx test/train-child.ts <checkpointDir> <steps> <every> <hangAfterStep>
import * as tf from '@tensorflow/tfjs';
import { train } from '../src/node.js';
import { distillRun, freshModels, stepData } from './fixtures.js';

const [dir, steps, every, hangAfter] = process.argv.slice(2);
await tf.setBackend('cpu');
await train({
  ...distillRun(Number(steps)),
  ...freshModels(),
  data: stepData(),
  checkpoint: { dir, every: Number(every) },
  onProgress: async (e) => {
    process.stdout.write(`${JSON.stringify({ step: e.step, checkpoint: e.checkpoint ?? null })}\n`);
    if (e.step === Number(hangAfter)) {
      process.stdout.write('HANGING\n');
      await new Promise(() => setInterval(() => {}, 1000));
    }
  },
});
process.stdout.write('FINISHED\n');
