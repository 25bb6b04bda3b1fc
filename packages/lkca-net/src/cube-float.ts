import { type Cube, toInterleave } from '@hsrkit/hsi-data';

/** A cube whose samples are BIP float32. */
export type Float32BipCube = Omit<Cube, 'data'> & { data: Float32Array };

/** The cube as BIP float32, converting only what is not already so. */
export function float32Bip(cube: Cube): Float32BipCube {
  const bip = toInterleave(cube, 'bip');
  return {
    ...bip,
    data: bip.data instanceof Float32Array ? bip.data : Float32Array.from(bip.data),
  };
}
