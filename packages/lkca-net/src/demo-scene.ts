import { fileURLToPath } from 'node:url';
import { type Cube, readCube, type Region } from '@hsrkit/hsi-data/node';

/** The shipped real scene (CAVE balloons, 256 x 256 x 31; see assets/scene/SOURCES.md). */
export const DEMO_SCENE_PATH = fileURLToPath(
  new URL('../assets/scene/balloons_ms.mat', import.meta.url),
);
/** The shipped demo model: the any-band model (lkca-any-band-x4, never trained on CAVE)
 * fine-tuned on the demo scene's top half, the best weights by its bottom-left quadrant, by
 * scripts/train-demo-any-band.ts (bench/results/demo-any-band.json); it never saw DEMO_HOLD_OUT.
 * It beat the distilled band-specific student (lkca-distilled-alpha0.1-x4) there in MPSNR and SAM. */
export const DEMO_MODEL_PATH = fileURLToPath(
  new URL('../assets/models/lkca-any-band-x4-cave/', import.meta.url),
);
/** The bottom-right quadrant: never seen in training, super-resolved by `lkca demo`. */
export const DEMO_HOLD_OUT: Region = { row: 128, col: 128, rows: 128, cols: 128 };
/** The bottom-left quadrant: where the demo model's best weights are picked (never trained on). */
export const DEMO_VALIDATION: Region = { row: 128, col: 0, rows: 128, cols: 128 };
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
