/** [axis length, tile, overlap] triples the tiling tests cover: interior tiles, a last tile that
 * overlaps its neighbour more, no overlap, one tile longer than the axis. */
export const TILINGS: readonly [number, number, number][] = [
  [100, 32, 8],
  [33, 32, 8],
  [64, 32, 0],
  [257, 48, 16],
  [31, 64, 16],
  [70, 64, 12],
];
