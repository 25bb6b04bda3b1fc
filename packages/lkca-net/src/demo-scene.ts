import { fileURLToPath } from 'node:url';
import { type Cube, readCube, type Region } from '@hsrkit/hsi-data/node';

/** The shipped real scene (CAVE balloons, 256 x 256 x 31; see assets/scene/SOURCES.md). */
export const DEMO_SCENE_PATH = fileURLToPath(
  new URL('../assets/scene/balloons_ms.mat', import.meta.url),
);
/** The shipped demo model: the low-rank LKCA student distilled from the teacher (alpha 0.1) by
 * scripts/train-demo.ts on the scene minus DEMO_HOLD_OUT (bench/results/distillation.json). */
export const DEMO_MODEL_PATH = fileURLToPath(
  new URL('../assets/models/lkca-distilled-alpha0.1-x4/', import.meta.url),
);
/** The bottom-right quadrant: never seen in training, super-resolved by `lkca demo`. */
export const DEMO_HOLD_OUT: Region = { row: 128, col: 128, rows: 128, cols: 128 };
export const DEMO_SCALE = 4;

/** Reads the demo scene, with the CAVE band centres (400 + 10 k nm) the .mat file lacks. */
export async function readDemoScene(path = DEMO_SCENE_PATH): Promise<Cube> {
  const cube = await readCube(path);
  return {
    ...cube,
    wavelengths: Array.from({ length: cube.bands }, (_, k) => 400 + 10 * k),
    wavelengthUnits: 'Nanometers',
  };
}
