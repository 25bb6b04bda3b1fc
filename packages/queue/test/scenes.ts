// Real scenes for the queue tests: crops of the CAVE "balloons" scene that @hsrkit/lkca-net ships
// (31 bands, the shipped models' band count), written as ENVI float32.
import { join, resolve } from 'node:path';
import { cropCube, readCube, writeCube } from '@hsrkit/hsi-data/node';

export const REPO = resolve(import.meta.dirname, '../../..');
export const SCENE = join(REPO, 'packages/lkca-net/assets/scene/balloons_ms.mat');
export const MODEL = join(REPO, 'packages/lkca-net/assets/models/lkca-distilled-alpha0.1-x4');
/** 156 bands: a real cube the 31-band model cannot take. */
export const SAMSON = join(REPO, 'packages/inference/fixtures/samson_crop.hdr');
export const LKCA_FROM_SOURCE = join(REPO, 'packages/lkca-net/test/lkca-from-source.ts');

/** Writes `corners.length` crops of `size` x `size` as `<dir>/<name><i>.hdr`; returns the headers. */
export async function writeSceneCrops(
  dir: string,
  size: number,
  corners: [number, number][],
  name = 'balloons',
): Promise<string[]> {
  const scene = await readCube(SCENE);
  const files: string[] = [];
  for (const [i, [row, col]] of corners.entries()) {
    const file = join(dir, `${name}${i}.hdr`);
    await writeCube(file, cropCube('balloons', scene, { row, col, rows: size, cols: size }));
    files.push(file);
  }
  return files;
}
