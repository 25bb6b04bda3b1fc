// Runs test/train-child.ts (steps, checkpoint every, hang at) in a child process and SIGKILLs it
// once it says HANGING: a training run killed right after a checkpoint, for the resume tests.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export async function killTrainChild(
  dir: string,
  steps: number,
  checkpointEvery: number,
  hangAt: number,
): Promise<{ exit: NodeJS.Signals | number | null; out: string }> {
  const child = spawn(
    'npx',
    ['tsx', 'test/train-child.ts', dir, String(steps), String(checkpointEvery), String(hangAt)],
    // Its own process group: npx -> sh -> tsx -> node are several processes, and the kill must
    // reach the one that trains, not only the npx wrapper (which would leave it hanging).
    { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exit = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('HANGING')) {
        process.kill(-(child.pid as number), 'SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`child exited before hanging:\n${out}\n${err}`)));
  });
  return { exit: await exit, out };
}
