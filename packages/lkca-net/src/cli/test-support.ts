// Test support for the CLI's tests: run `lkca` in-process and capture what it prints; the
// shared fixture of a real scene crop and a small saved model.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cropCube, writeCube } from '@hsrkit/hsi-data/node';
import { type HsrkitModelMetadata, saveModel, withModelMetadata } from '@hsrkit/inference/node';
import { useBackend } from '@hsrkit/testing';
import { vi } from 'vitest';
import { readDemoScene } from '../demo-scene.js';
import { lkcaNet } from '../model.js';
import { runCli } from './main.js';

/**
 * A temp folder holding `crop.hdr`, a real `rows x cols` crop of the shipped scene (ENVI with
 * wavelengths), and `model/`, a small x2 LKCA-Net with random weights saved like any model, with
 * `metadata` (scale and bands always). Starts the wasm backend first.
 */
export async function cliFixture(
  prefix: string,
  size: { rows: number; cols: number },
  metadata: HsrkitModelMetadata = {},
): Promise<{ dir: string; crop: string; modelDir: string }> {
  // The CLI's tests run on wasm, the backend users get by default.
  await useBackend('wasm');
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const crop = join(dir, 'crop.hdr');
  const scene = await readDemoScene();
  await writeCube(crop, cropCube('scene', scene, { row: 100, col: 60, ...size }));
  const model = lkcaNet({
    bands: 31,
    scale: 2,
    channels: 8,
    blocks: 1,
    reduction: 4,
    upsamplerGroups: 2,
  });
  withModelMetadata(model, { scale: 2, bands: 31, ...metadata });
  const modelDir = join(dir, 'model');
  await saveModel(model, modelDir);
  model.dispose();
  return { dir, crop, modelDir };
}

/** Runs the CLI in-process; returns exit code, stdout, stderr and stdout parsed as JSON if it is. */
export async function lkca(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string; json: any }> {
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    const code = await runCli(args);
    let json: any;
    try {
      json = JSON.parse(stdout);
    } catch {}
    return { code, stdout, stderr, json };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
