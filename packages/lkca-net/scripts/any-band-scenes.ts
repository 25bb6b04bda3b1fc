// The real scenes the any-band model trains and is scored on (files under ../shared/data, outside
// the repo; their SOURCES.md files say where each came from). Whole crops are held out: two sensors
// the training never sees (Samson, CAVE; and a tiny Gamsberg subset of an unnamed airborne sensor)
// and one HYDICE crop of a sensor it does see.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Cube, type ReadCubeOptions, readCube } from '@hsrkit/hsi-data/node';

export interface SceneSpec {
  id: string;
  sensor: string;
  /** Path relative to the shared data root (the folder holding hsi/ and hsi-train/). */
  file: string;
  read?: ReadCubeOptions;
  role: 'train' | 'held-out';
  /** Held out and of a sensor no training scene comes from. */
  unseenSensor?: boolean;
}

const ABU = 'hsi-train/jiojio0505-OT-AD';
const abu = (name: string): SceneSpec => ({
  id: `abu-${name}`,
  sensor: 'AVIRIS',
  file: `${ABU}/abu-${name}.mat`,
  read: { variable: 'data' },
  role: 'train',
});

export const ANY_BAND_SCENES: readonly SceneSpec[] = [
  ...['airport-1', 'airport-2', 'airport-3', 'airport-4', 'beach-1', 'beach-3'].map(abu),
  ...['urban-1', 'urban-3', 'urban-4', 'urban-5'].map(abu),
  {
    id: 'hydice-urban-ot-ad',
    sensor: 'HYDICE',
    file: `${ABU}/hydice.mat`,
    read: { variable: 'data' },
    role: 'train',
  },
  {
    id: 'muufl',
    sensor: 'CASI-1500 (MUUFL Gulfport)',
    file: 'hsi-train/I3ab-TAEF/MUUFL.mat',
    read: { variable: 'data' },
    role: 'train',
  },
  {
    id: 'jasper-ridge',
    sensor: 'AVIRIS',
    file: 'hsi/pekalam-hyperspectral-segmentation/jasperRidge2_R198.img',
    role: 'train',
  },
  {
    id: 'moffett',
    sensor: 'AVIRIS',
    file: 'hsi/ricardoborsoi-unmixing_spectral_variability/Moffett_vca.mat',
    read: { variable: 'Y', pixels: { rows: 50, cols: 50, order: 'row-major' } },
    role: 'train',
  },
  {
    id: 'samson',
    sensor: 'SAMSON',
    file: 'hsi/pekalam-hyperspectral-segmentation/samson_1.img',
    role: 'held-out',
    unseenSensor: true,
  },
  {
    id: 'cave-balloons',
    sensor: 'CAVE (Apogee Alta U260 + tunable filter)',
    file: 'hsi/jicongfan-STP-Tensor-Completion/balloons_ms.mat',
    role: 'held-out',
    unseenSensor: true,
  },
  {
    // Tiny (25 x 10, so 24 x 8 HR, 6 x 2 LR) but a fourth sensor: an airborne spectrometer resampled
    // to 189 bands (the repo does not name it).
    id: 'gamsberg',
    sensor: 'airborne, unnamed (EnGeoMap test subset)',
    file: 'hsi/EnMAP-Box-enmap-box/cubus_gamsberg_subset.hdr',
    role: 'held-out',
    unseenSensor: true,
  },
  {
    id: 'hydice-urban-sub',
    sensor: 'HYDICE',
    file: 'hsi/ricardoborsoi-MultiscaleKernelSURelease/subimage_Urban_R162.mat',
    read: { variable: 'im' },
    role: 'held-out',
  },
];

/** The shared data root: $HSRKIT_DATA, else ../shared/data beside the repository. */
export function dataRoot(repoRoot: string): string {
  const root = process.env.HSRKIT_DATA ?? resolve(repoRoot, '../shared/data');
  if (!existsSync(root))
    throw new Error(
      `any-band data: no data folder at ${root} (set HSRKIT_DATA to the folder holding hsi/ and hsi-train/)`,
    );
  return root;
}

export async function readScene(spec: SceneSpec, root: string): Promise<Cube> {
  const path = resolve(root, spec.file);
  if (!existsSync(path)) throw new Error(`any-band data: scene '${spec.id}' needs ${path}`);
  return readCube(path, spec.read);
}
