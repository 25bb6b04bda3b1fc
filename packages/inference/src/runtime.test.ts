import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const probe = fileURLToPath(new URL('../test/cpu-banner-probe.ts', import.meta.url));

/** Runs the probe in a fresh Node process (TF.js prints its banner once per process). */
async function runProbe(mode: 'plain' | 'selected') {
  const { stdout, stderr } = await promisify(execFile)(
    'npx',
    ['tsx', '--conditions=source', probe, mode],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' },
  );
  return { stderr, result: JSON.parse(stdout.trim().split('\n').pop()!) };
}

const BANNER = /install our node backend|tfjs-node/;

describe('selectRuntime and the cpu backend banner', () => {
  it("TF.js's cpu backend prints its 'install tfjs-node' banner on its first tensor", async () => {
    const { stderr, result } = await runProbe('plain');
    expect(result).toEqual({ backend: 'cpu', values: [2, 3], prod: false });
    expect(stderr).toMatch(BANNER);
  });

  it("selectRuntime('cpu') starts it without the banner, and leaves TF.js's warnings on", async () => {
    const { stderr, result } = await runProbe('selected');
    expect(result).toEqual({ backend: 'cpu', values: [2, 3], prod: false });
    expect(stderr).not.toMatch(BANNER);
  });
});
