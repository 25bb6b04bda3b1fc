import { type ReadCubeOptions, readCube } from '@hsrkit/hsi-data/node';
import { loadModel } from '@hsrkit/inference/node';
import { type SceneTrainingOptions, type SceneTrainingResult, trainOnScenes } from './training.js';

export interface SceneFileTrainingOptions
  extends Omit<SceneTrainingOptions, 'scenes' | 'teacher' | 'holdOut'> {
  /** Training cube files (same band count); non-finite samples are read as 0. */
  dataFiles: string[];
  /** A trained teacher's model folder: its features are distilled into the student. */
  teacherPath?: string;
  /** Keep the last n columns of the first scene out of training, for validation. */
  holdOutCols?: number;
  /** Which cube of each file where the file alone cannot say (an HDF5 dataset and band axis). */
  read?: Pick<ReadCubeOptions, 'dataset' | 'bandAxis' | 'variable'>;
}

/**
 * `trainOnScenes` on cube files: reads them, loads the teacher, holds the last columns of the
 * first scene out for validation. The trainer picks the training kernels (on wasm, @hsrkit/layers'
 * own; stock wasm has no gradient for some of LKCA-Net's convolutions).
 */
export async function trainOnSceneFiles(
  opts: SceneFileTrainingOptions,
): Promise<SceneTrainingResult> {
  const { dataFiles, teacherPath, holdOutCols, read, ...rest } = opts;
  const scenes = [];
  for (const f of dataFiles) scenes.push(await readCube(f, { ...read, nonFinite: { fill: 0 } }));
  const teacher = teacherPath ? await loadModel(teacherPath) : undefined;
  const first = scenes[0];
  try {
    return await trainOnScenes({
      ...rest,
      scenes,
      teacher,
      holdOut:
        holdOutCols && first
          ? { row: 0, col: first.cols - holdOutCols, rows: first.rows, cols: holdOutCols }
          : undefined,
    });
  } finally {
    teacher?.dispose();
  }
}
