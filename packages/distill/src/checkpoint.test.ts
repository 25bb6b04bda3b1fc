import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../test/temp-dirs.js';
import { type CheckpointState, crc32, decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { listCheckpoints, loadCheckpoint, saveCheckpoint } from './checkpoint-node.js';
import { CheckpointError } from './errors.js';

function sampleState(step: number): CheckpointState {
  return {
    step,
    totalSteps: 50,
    rngState: 0xdeadbeef,
    dataState: { nextStep: step },
    optimizerType: 'adam',
    student: [
      {
        name: 'conv/kernel',
        shape: [3, 3, 2, 1],
        dtype: 'float32',
        values: Float32Array.from({ length: 18 }, (_, i) => i * 0.5 - step),
      },
      { name: 'conv/bias', shape: [1], dtype: 'float32', values: new Float32Array([Math.PI]) },
    ],
    adapters: [
      [],
      [
        {
          name: 'a/kernel',
          shape: [1, 1, 2, 3],
          dtype: 'float32',
          values: new Float32Array([1, 2, 3, 4, 5, 6]),
        },
      ],
    ],
    optimizer: [{ name: 'iter', shape: [], dtype: 'int32', values: new Int32Array([step]) }],
    meta: { note: 'x' },
  };
}

const tempDir = tempDirs('distill-ckpt-');

describe('checkpoint format', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('round-trips every field and value exactly', () => {
    const s = sampleState(7);
    const back = decodeCheckpoint(encodeCheckpoint(s), 'mem');
    expect(back.step).toBe(7);
    expect(back.rngState).toBe(0xdeadbeef);
    expect(back.dataState).toEqual({ nextStep: 7 });
    expect(back.meta).toEqual({ note: 'x' });
    expect(back.student.map((a) => a.name)).toEqual(['conv/kernel', 'conv/bias']);
    expect(Array.from(back.student[0].values)).toEqual(Array.from(s.student[0].values));
    expect(back.student[1].values[0]).toBe(Math.fround(Math.PI));
    expect(back.adapters[0]).toEqual([]);
    expect(back.adapters[1][0].shape).toEqual([1, 1, 2, 3]);
    expect(back.optimizer[0].values).toBeInstanceOf(Int32Array);
    expect(back.optimizer[0].values[0]).toBe(7);
  });

  it('rejects a truncated file, a flipped payload byte and a foreign file with CheckpointError', () => {
    const bytes = encodeCheckpoint(sampleState(3));
    expect(() => decodeCheckpoint(bytes.slice(0, bytes.length - 4), 'f.hsrckpt')).toThrow(
      /f\.hsrckpt: truncated/,
    );
    const bad = bytes.slice();
    bad[bad.length - 10] ^= 0xff;
    expect(() => decodeCheckpoint(bad, 'g')).toThrow(/checksum/);
    expect(() =>
      decodeCheckpoint(new TextEncoder().encode('{"step": 1}............'), 'h'),
    ).toThrow(CheckpointError);
  });
});

describe('checkpoint files', () => {
  it('saves atomically, loads the newest, keeps `keep` files and ignores temp leftovers', async () => {
    const dir = await tempDir();
    expect(await loadCheckpoint(dir)).toBeNull();
    expect(await loadCheckpoint(join(dir, 'missing'))).toBeNull();
    for (const step of [10, 20, 30]) await saveCheckpoint(dir, sampleState(step), { keep: 2 });
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([30, 20]);
    // A write killed before its rename leaves only a temp file: it is not a checkpoint.
    await writeFile(join(dir, '.step-000000040.hsrckpt.tmp-999-0'), new Uint8Array(5));
    const latest = await loadCheckpoint(dir);
    expect(latest?.step).toBe(30);
    expect(Array.from(latest!.student[0].values)).toEqual(
      Array.from(sampleState(30).student[0].values),
    );
    // The next save clears the stale temp file.
    await saveCheckpoint(dir, sampleState(40), { keep: 2 });
    expect((await readdir(dir)).sort()).toEqual([
      'step-000000030.hsrckpt',
      'step-000000040.hsrckpt',
    ]);
    // A file path loads that file.
    expect((await loadCheckpoint(join(dir, 'step-000000030.hsrckpt')))?.step).toBe(30);
  });

  it('a damaged newest checkpoint is an error naming the file', async () => {
    const dir = await tempDir();
    const path = await saveCheckpoint(dir, sampleState(5));
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 1));
    await expect(loadCheckpoint(dir)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(dir)).rejects.toThrow(path);
  });
});
