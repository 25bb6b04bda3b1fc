import { describe, expect, it } from 'vitest';
import { PlaygroundInputError } from './errors.js';
import { pickCubeFile } from './open-cube.js';

describe('pickCubeFile', () => {
  it('takes an ENVI header when its data file is picked with it, in any order', () => {
    expect(pickCubeFile(['scene.img', 'scene.hdr'])).toBe('scene.hdr');
    expect(pickCubeFile(['scene.hdr', 'scene'])).toBe('scene.hdr');
    expect(pickCubeFile(['scene.img.hdr', 'scene.img'])).toBe('scene.img.hdr');
    expect(pickCubeFile(['a.HDR', 'a.BSQ'].map((n) => n.toLowerCase()))).toBe('a.hdr');
  });

  it('takes a single .mat, .tif, .tiff or .npy', () => {
    for (const f of ['x.mat', 'x.tif', 'x.TIFF', 'x.npy']) expect(pickCubeFile([f])).toBe(f);
  });

  it('says what is missing or wrong', () => {
    const cases: [string[], RegExp][] = [
      [[], /no file chosen/],
      [
        ['scene.hdr'],
        /scene\.hdr is an ENVI header without its data file: choose both together \(e\.g\. scene\.hdr and scene\.img\)/,
      ],
      [['scene.hdr', 'other.img'], /without its data file/],
      [['scene.img'], /ENVI data without its header: choose the \.hdr file too/],
      [
        ['a.mat', 'b.npy'],
        /choose one cube at a time \(got b\.npy, a\.mat\)|choose one cube at a time/,
      ],
      [['notes.txt'], /notes\.txt: not a cube format/],
    ];
    for (const [names, message] of cases) {
      expect(() => pickCubeFile(names)).toThrow(PlaygroundInputError);
      expect(() => pickCubeFile(names)).toThrow(message);
    }
  });
});
