import { describe, expect, it } from 'vitest';
import { HsiConfigError, HsiShapeError } from '../errors.js';
import { patchGrid, splitTrainTest } from './patches.js';

const overlaps = (
  p: { row: number; col: number },
  size: number,
  t: { row: number; col: number; rows: number; cols: number },
) =>
  p.row < t.row + t.rows && t.row < p.row + size && p.col < t.col + t.cols && t.col < p.col + size;

describe('patchGrid', () => {
  it('takes every full window at the stride (SSPSR: floor((L - P) / S) + 1 per axis)', () => {
    const g = patchGrid({ row: 0, col: 0, rows: 100, cols: 70 }, 32, 16);
    expect(g.length).toBe((Math.floor((100 - 32) / 16) + 1) * (Math.floor((70 - 32) / 16) + 1));
    expect(g[0]).toEqual({ row: 0, col: 0 });
    expect(g.at(-1)).toEqual({ row: 64, col: 32 });
    expect(patchGrid({ row: 10, col: 5, rows: 8, cols: 8 }, 8)).toEqual([{ row: 10, col: 5 }]);
    expect(patchGrid({ row: 0, col: 0, rows: 7, cols: 100 }, 8)).toEqual([]);
    expect(() => patchGrid({ row: 0, col: 0, rows: 8, cols: 8 }, 0)).toThrow(HsiConfigError);
  });
});

describe('splitTrainTest', () => {
  it('a row band: train patches above and below, none touching the test rows', () => {
    const s = splitTrainTest(
      100,
      60,
      { by: 'rows', testRows: [0, 36] },
      { patchSize: 16, stride: 8 },
    );
    expect(s.test).toEqual({ row: 0, col: 0, rows: 36, cols: 60 });
    expect(s.train.length).toBe((Math.floor((64 - 16) / 8) + 1) * (Math.floor((60 - 16) / 8) + 1));
    expect(s.train[0]).toEqual({ row: 36, col: 0 });
    expect(s.train.every((p) => !overlaps(p, 16, s.test))).toBe(true);
    const mid = splitTrainTest(100, 60, { by: 'rows', testRows: [40, 60] }, { patchSize: 16 });
    expect(mid.train.some((p) => p.row < 40)).toBe(true);
    expect(mid.train.some((p) => p.row >= 60)).toBe(true);
    expect(mid.train.every((p) => !overlaps(p, 16, mid.test))).toBe(true);
  });
  it('a region: the scene grid minus patches touching it', () => {
    const test = { row: 20, col: 20, rows: 30, cols: 30 };
    const s = splitTrainTest(100, 100, { by: 'region', test }, { patchSize: 20, stride: 10 });
    const all = patchGrid({ row: 0, col: 0, rows: 100, cols: 100 }, 20, 10);
    expect(s.train.length).toBe(all.filter((p) => !overlaps(p, 20, test)).length);
    expect(s.train.length).toBeLessThan(all.length);
    expect(s.train.every((p) => !overlaps(p, 20, test))).toBe(true);
  });
  it('rejects test areas outside the scene', () => {
    expect(() =>
      splitTrainTest(50, 50, { by: 'rows', testRows: [40, 60] }, { patchSize: 8 }),
    ).toThrow(HsiShapeError);
    expect(() =>
      splitTrainTest(
        50,
        50,
        { by: 'region', test: { row: 45, col: 0, rows: 10, cols: 10 } },
        { patchSize: 8 },
      ),
    ).toThrow(/not inside the 50 x 50 scene/);
    expect(() => splitTrainTest(50, 50, { by: 'cols' } as never, { patchSize: 8 })).toThrow(
      HsiConfigError,
    );
  });
});
