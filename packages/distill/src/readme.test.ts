import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('README', () => {
  it('its example runs as written and trains, validates and checkpoints', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeTruthy();
    const file = join(root, 'test', `.readme-example-${process.pid}.ts`);
    writeFileSync(file, code!);
    try {
      const r = spawnSync('npx', ['tsx', '--conditions=source', file], {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/step 40\/40 loss \d/);
      expect(r.stdout).toMatch(/validation MPSNR \d+\.\d+ dB/);
      expect(r.stdout).toMatch(/done at step 40; newest checkpoint holds step 40/);
      // The denoiser learns: the loss at step 40 is below the loss at step 10.
      const loss = (step: number) =>
        Number(new RegExp(`step ${step}/40 loss ([\\d.]+)`).exec(r.stdout)![1]);
      expect(loss(40)).toBeLessThan(loss(10));
    } finally {
      rmSync(file, { force: true });
    }
  });
});
