// Cubes as the playground passes them around: BIP float32, whatever the file stored.
import { type Cube, toInterleave } from '@hsrkit/hsi-data';
import type { BipData } from './worker-protocol.js';

export type BipCube = Omit<Cube, 'data' | 'interleave'> & { interleave: 'bip'; data: Float32Array };

export function toBipCube(cube: Cube): BipCube {
  const bip = toInterleave(cube, 'bip');
  const data = bip.data instanceof Float32Array ? bip.data : Float32Array.from(bip.data);
  return { ...bip, interleave: 'bip', data };
}

export function bipData(cube: BipData): BipData {
  return { rows: cube.rows, cols: cube.cols, bands: cube.bands, data: cube.data };
}

export function cubeOf(d: BipData, meta: Partial<Cube> = {}): BipCube {
  return { ...meta, rows: d.rows, cols: d.cols, bands: d.bands, interleave: 'bip', data: d.data };
}

/** The spectrum of one pixel. */
export function spectrumAt(cube: BipData, row: number, col: number): Float32Array {
  const at = (row * cube.cols + col) * cube.bands;
  return cube.data.slice(at, at + cube.bands);
}
